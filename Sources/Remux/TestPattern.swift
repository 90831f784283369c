/// Deterministic synthetic pictures for the simulator's GOP library.
///
/// A moving gradient with a bouncing block, plus pseudo-random noise so that the encoder
/// spends roughly the requested bitrate (a flat picture would compress to almost nothing and
/// make throughput figures meaningless).
struct TestPattern {
    let width: Int
    let height: Int
    let noiseAmplitude: Int

    /// Fills the three planes of a YUV 4:2:0 picture for `frame` of GOP variant `variant`.
    func fill(
        y: UnsafeMutablePointer<UInt8>, yStride: Int,
        u: UnsafeMutablePointer<UInt8>, v: UnsafeMutablePointer<UInt8>, chromaStride: Int,
        variant: Int, frame: Int
    ) {
        var rng = XorShift(seed: UInt64(variant &* 7919 &+ frame &* 104_729 &+ 1))
        let blockSize = max(8, height / 6)
        let travel = max(1, width - blockSize)
        let blockX = (frame * 7 + variant * 53) % travel
        let blockY = (height - blockSize) / 2
        for row in 0..<height {
            let line = y + row * yStride
            let inBlockRow = row >= blockY && row < blockY + blockSize
            for col in 0..<width {
                var value = (col + row + frame * 3 + variant * 40) & 0xFF
                if inBlockRow && col >= blockX && col < blockX + blockSize { value = 235 }
                if noiseAmplitude > 0 {
                    value += Int(rng.next() % UInt64(2 * noiseAmplitude + 1)) - noiseAmplitude
                }
                line[col] = UInt8(clamping: value)
            }
        }
        let chromaU = UInt8(truncatingIfNeeded: 96 + variant * 23)
        let chromaV = UInt8(truncatingIfNeeded: 160 - variant * 17)
        for row in 0..<(height / 2) {
            (u + row * chromaStride).update(repeating: chromaU, count: width / 2)
            (v + row * chromaStride).update(repeating: chromaV, count: width / 2)
        }
    }
}

/// Small, fast, deterministic PRNG; quality is irrelevant, repeatability is everything.
struct XorShift {
    private var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
