import Foundation
@_spi(CustomByteBufferAllocator) import NIOCore

/// Memory for upload parts (16 MiB by default, several in flight): mapped for each buffer alone
/// and unmapped when the buffer goes, whatever malloc's thresholds are.
///
/// tsvault sets glibc's mapping threshold to its highest (32 MiB) so that the muxer's
/// per-fragment buffers (5–20 MB, one per GOP) are reused from the heap instead of being mapped,
/// faulted in and unmapped for every fragment. Part buffers would then come from the heaps of
/// whichever threads allocate them, and each heap keeps up to 64 MiB free at its top: an
/// ingest into a bucket peaked at 243–312 MiB against 178–185 MiB (docs/BENCHMARKS.md). Mapped
/// here, they cost what they did before and no more: their pages are cleared and faulted in
/// once per buffer, and a multipart upload reuses its buffers from part to part.
enum PartMemory {
    static let allocator = ByteBufferAllocator(
        allocate: { size in PartMemory.allocate(size) },
        reallocate: { pointer, oldSize, newSize in PartMemory.reallocate(pointer, oldSize, newSize) },
        deallocate: { pointer in PartMemory.deallocate(pointer) },
        copy: { destination, source, count in destination.copyMemory(from: source, byteCount: count) })

    /// One page before the bytes holds the mapping's length (0 when malloc had to serve it),
    /// so that `deallocate`, given only the pointer, knows what to unmap; it also keeps the
    /// bytes page-aligned.
    static let header = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// `map` gives `length` bytes of fresh pages or nil; tests pass one that fails, as mmap does
    /// when the process has no mapping left.
    static func allocate(_ size: Int, map: (Int) -> UnsafeMutableRawPointer? = mapPages) -> UnsafeMutableRawPointer? {
        let length = (header + max(size, 1) + header - 1) / header * header
        if let mapping = map(length) {
            mapping.storeBytes(of: length, as: Int.self)
            return mapping + header
        }
        // No mapping left (vm.max_map_count, or memory): the heap, as NIO would have used.
        var block: UnsafeMutableRawPointer?
        guard posix_memalign(&block, header, header + size) == 0, let block else { return nil }
        block.storeBytes(of: 0, as: Int.self)
        return block + header
    }

    static func mapPages(_ length: Int) -> UnsafeMutableRawPointer? {
        guard let mapping = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), mapping != MAP_FAILED
        else { return nil }
        return mapping
    }

    static func reallocate(_ pointer: UnsafeMutableRawPointer?, _ oldSize: Int, _ newSize: Int) -> UnsafeMutableRawPointer? {
        guard let pointer else { return allocate(newSize) }
        guard let moved = allocate(newSize) else { return nil }
        moved.copyMemory(from: pointer, byteCount: min(oldSize, newSize))
        deallocate(pointer)
        return moved
    }

    static func deallocate(_ pointer: UnsafeMutableRawPointer) {
        let start = pointer - header
        let length = start.load(as: Int.self)
        if length > 0 { munmap(start, length) } else { free(start) }
    }
}
