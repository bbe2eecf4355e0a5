#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif
#if os(Linux)
import Synchronization
#endif

/// The memory of a tape's entry buffer: raw, for trivial entries, and grown without a second copy of the buffer.
///
/// Doubling a buffer by allocating a bigger one and copying holds both at once: a graph of a million scalar nodes
/// peaked at 1.5× its entries while it grew. On Linux a large buffer is instead a reservation of address space
/// (no memory: `PROT_NONE`) as large as any tape can index, made usable page range by page range as it grows;
/// nothing moves. Small buffers, other systems, and a reservation the system refuses use `malloc`/`realloc`.
enum EntryMemory {
    /// Buffers at least this large are reservations (Linux).
    static let reservationThreshold = 1 << 20
    /// The address space a reservation takes: 2³¹ entries (every node an `Int32` indexes) of up to 32 bytes.
    static let reservedBytes = 1 << 36

    /// `bytes` of uninitialized memory (at least one byte).
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        #if os(Linux)
        if bytes >= reservationThreshold, let reserved = reserve(bytes) { return reserved }
        #endif
        guard let pointer = malloc(Swift.max(bytes, 1)) else { outOfMemory(bytes) }
        return pointer
    }

    /// The buffer grown from `oldBytes` to `newBytes` (larger), its first `oldBytes` bytes kept.
    static func reallocate(_ pointer: UnsafeMutableRawPointer, from oldBytes: Int, to newBytes: Int) -> UnsafeMutableRawPointer {
        #if os(Linux)
        if isReserved(pointer, oldBytes) {
            // Usable up to `oldBytes` rounded up to a page: make the rest usable.
            let from = roundedToPage(oldBytes), to = roundedToPage(newBytes)
            if to > from && mprotect(pointer + from, to - from, PROT_READ | PROT_WRITE) != 0 { outOfMemory(newBytes) }
            return pointer
        }
        if newBytes >= reservationThreshold, let reserved = reserve(newBytes) {
            reserved.copyMemory(from: pointer, byteCount: oldBytes)
            free(pointer)
            return reserved
        }
        #endif
        guard let moved = realloc(pointer, Swift.max(newBytes, 1)) else { outOfMemory(newBytes) }
        return moved
    }

    /// Frees a buffer of `bytes` made by ``allocate(bytes:)`` or ``reallocate(_:from:to:)``.
    static func deallocate(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
        if isReserved(pointer, bytes) {
            _ = reservations.withLock { $0.remove(UInt(bitPattern: pointer)) }
            munmap(pointer, reservedBytes)
            return
        }
        #endif
        free(pointer)
    }

    #if os(Linux)
    /// The base addresses of the live reservations (a buffer of a reservation's size may come from `malloc` when
    /// the system refused the reservation).
    private static let reservations = Mutex<Set<UInt>>([])

    /// A reservation whose first `bytes` (rounded up to a page) are usable, or nil if the system refuses it.
    private static func reserve(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard let base = mmap(nil, reservedBytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              base != MAP_FAILED else { return nil }
        if mprotect(base, roundedToPage(bytes), PROT_READ | PROT_WRITE) != 0 {
            munmap(base, reservedBytes)
            return nil
        }
        _ = reservations.withLock { $0.insert(UInt(bitPattern: base)) }
        return base
    }

    /// Whether a buffer of `bytes` is a reservation.
    private static func isReserved(_ pointer: UnsafeMutableRawPointer, _ bytes: Int) -> Bool {
        bytes >= reservationThreshold && reservations.withLock { $0.contains(UInt(bitPattern: pointer)) }
    }

    private static func roundedToPage(_ bytes: Int) -> Int {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        return (bytes + page - 1) / page * page
    }
    #endif

    private static func outOfMemory(_ bytes: Int) -> Never {
        fatalError("AutoDiff: out of memory growing a tape to \(bytes) bytes")
    }
}
