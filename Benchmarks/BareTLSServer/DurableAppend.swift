// The least a durable acknowledgement can cost: each body appended to one file, group-committed (one
// write and one fdatasync per batch, on one thread), answered only after the sync. No SQLite, no
// parsing, no dedup: whatever a real store adds comes on top of this.
import Dispatch
import Foundation
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

final class DurableAppend: Sendable {
    struct WriteFailed: Error, CustomStringConvertible {
        let operation: String
        let code: Int32
        var description: String { "\(operation) failed: \(String(cString: strerror(code)))" }
    }

    private struct State {
        var pending: [(ByteBuffer, CheckedContinuation<Void, any Error>)] = []
        /// Whether a drain is scheduled or running; it ends only by finding nothing pending.
        var draining = false
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "bare.durable-append")
    private let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw WriteFailed(operation: "open \(path)", code: errno) }
    }

    /// Returns once `body` is in the file and synced.
    func append(_ body: ByteBuffer) async throws {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { state in
                state.pending.append((body, continuation))
                defer { state.draining = true }
                return !state.draining
            }
            if start { queue.async { self.drain() } }
        }
    }

    private func drain() {
        while true {
            let batch = state.withLock { state in
                defer { state.pending = [] }
                if state.pending.isEmpty { state.draining = false }
                return state.pending
            }
            if batch.isEmpty { return }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(batch.reduce(0) { $0 + $1.0.readableBytes })
            for (body, _) in batch { bytes.append(contentsOf: body.readableBytesView) }
            let result = Result { try write(bytes) }
            for (_, continuation) in batch { continuation.resume(with: result) }
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw WriteFailed(operation: "write", code: errno)
                }
                offset += written
            }
        }
        guard fdatasync(descriptor) == 0 else { throw WriteFailed(operation: "fdatasync", code: errno) }
    }
}
