import Foundation
import NIOCore
import Testing

@testable import ObjectStore

@Suite struct PartMemoryTests {
    /// The address ranges of this process's mappings, from /proc/self/maps.
    static func mappings() throws -> [Range<UInt>] {
        try String(contentsOfFile: "/proc/self/maps", encoding: .utf8).split(separator: "\n").compactMap { line in
            let bounds = line.prefix { $0 != " " }.split(separator: "-").compactMap { UInt($0, radix: 16) }
            return bounds.count == 2 ? bounds[0]..<bounds[1] : nil
        }
    }

    @Test func aPartIsItsOwnPageAlignedMappingUnmappedWhenFreed() throws {
        let size = 5 << 20 + 123
        let page = PartMemory.header
        let bytes = try #require(PartMemory.allocate(size))
        let start = bytes - page
        let length = page + (size + page - 1) / page * page
        #expect(UInt(bitPattern: bytes) % UInt(page) == 0, "the bytes start on a page")
        bytes.initializeMemory(as: UInt8.self, repeating: 0xA5, count: size)
        let range = UInt(bitPattern: start)..<UInt(bitPattern: start) + UInt(length)
        // The kernel may merge neighbouring anonymous mappings: the part's lies within one.
        #expect(try Self.mappings().contains { $0.lowerBound <= range.lowerBound && range.upperBound <= $0.upperBound })
        #expect(UnsafeRawBufferPointer(start: bytes, count: size).allSatisfy { $0 == 0xA5 })
        PartMemory.deallocate(bytes)
        // Right after the free, before anything else could map there: no page of it is mapped.
        let probe = msync(start, length, MS_ASYNC)
        let reason = errno
        #expect(probe == -1 && reason == ENOMEM, "unmapped once freed")
    }

    /// When no mapping is left (vm.max_map_count reached, or memory), a part comes from malloc,
    /// page-aligned all the same, and goes back to it when freed or grown into a mapping.
    @Test func withoutAMappingAPartComesFromTheHeapAndIsFreedThere() throws {
        let size = 300_000
        let page = PartMemory.header
        let bytes = try #require(PartMemory.allocate(size, map: { _ in nil }))
        #expect(UInt(bitPattern: bytes) % UInt(page) == 0, "the bytes start on a page")
        #expect((bytes - page).load(as: Int.self) == 0, "the header marks a heap block")
        let pattern = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        bytes.copyMemory(from: pattern, byteCount: size)
        // Growing it moves the bytes into a mapping and frees the heap block.
        let grown = try #require(PartMemory.reallocate(bytes, size, 2 * size))
        #expect((grown - page).load(as: Int.self) >= 2 * size, "the grown part is a mapping")
        #expect(Array(UnsafeRawBufferPointer(start: grown, count: size)) == pattern)
        PartMemory.deallocate(grown)
        // A heap part freed as such: malloc would abort on a pointer it did not hand out.
        let another = try #require(PartMemory.allocate(size, map: { _ in nil }))
        another.initializeMemory(as: UInt8.self, repeating: 0x5A, count: size)
        PartMemory.deallocate(another)
    }

    @Test func aBufferThatGrowsKeepsEveryByte() {
        var buffer = PartMemory.allocator.buffer(capacity: 1000)
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        for chunk in stride(from: 0, to: bytes.count, by: 700_001) {
            buffer.writeBytes(bytes[chunk..<min(chunk + 700_001, bytes.count)])
        }
        #expect(buffer.capacity >= bytes.count)
        #expect(Array(buffer.readableBytesView) == bytes)
        var copy = buffer
        copy.writeBytes([1, 2, 3])  // copy on write: a second allocation, the first left as it was
        #expect(Array(buffer.readableBytesView) == bytes)
        #expect(Array(copy.readableBytesView) == bytes + [1, 2, 3])
    }
}
