import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One running bot per store: an exclusive lock on `<store path>.lock`, held for the bot's life.
///
/// A second `avala-bot run` on the same store would put the first one's running events back to pending
/// at its start and run the same steps at the same time. SQLite's own locks cannot say "a bot runs
/// here" — the inspection commands and their writes (`dead-letters retry`, `events replay`,
/// `silences add`) open the same file beside the bot, and must — so the bot takes this lock besides;
/// those commands do not. The lock is `flock(2)` on a file of its own: the kernel drops it when the
/// process ends, however it ends, so a crash never leaves a stale lock behind.
///
/// ```swift
/// let lock = try StoreLock(storePath: "./data/avala-bot.sqlite")  // throws if another bot holds it
/// defer { lock.release() }
/// ```
public final class StoreLock: Sendable {
    /// The lock file's path: the store's path plus `.lock`.
    public let path: String
    private let descriptor: Mutex<Int32?>

    /// Takes the lock without waiting, creating the store's directory and the lock file if needed.
    ///
    /// - Throws: ``SQLiteEventStoreError`` `.locked` when another process (or another opening in this
    ///   one) holds it; `.cannotOpen` when the lock file cannot be made.
    public init(storePath: String) throws {
        try SQLiteEventStore.makeDirectory(of: storePath)
        path = Self.lockPath(of: storePath)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SQLiteEventStoreError(code: .cannotOpen, message: "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        // ``isHeld(storePath:)`` holds a shared lock for an instant: waited out, so that an inspection
        // command running as the bot starts cannot make the start fail.
        var taken = flock(fd, LOCK_EX | LOCK_NB) == 0
        for _ in 0..<10 where !taken && errno == EWOULDBLOCK {
            usleep(20_000)
            taken = flock(fd, LOCK_EX | LOCK_NB) == 0
        }
        guard taken else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK {
                throw SQLiteEventStoreError(
                    code: .locked,
                    message:
                        "another avala-bot is running on the store \(storePath) (it holds \(path)); stop it first, or give this one its own store.sqlite"
                )
            }
            throw SQLiteEventStoreError(code: .cannotOpen, message: "cannot lock \(path): \(String(cString: strerror(code)))")
        }
        descriptor = Mutex(fd)
    }

    /// The lock file beside the store: its resolved path plus `.lock`.
    static func lockPath(of storePath: String) -> String { resolved(storePath) + ".lock" }

    /// `storePath` with its symbolic links followed, the file's own among them: two paths to one store
    /// (a link beside it, a linked directory) take one lock, as SQLite opens one file for both. A path
    /// that cannot be followed (its file not made yet) keeps its resolved directory and its own name.
    static func resolved(_ storePath: String) -> String {
        if let real = realpath(storePath, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        let url = URL(fileURLWithPath: storePath)
        guard let directory = realpath(url.deletingLastPathComponent().path, nil) else { return storePath }
        defer { free(directory) }
        return URL(fileURLWithPath: String(cString: directory)).appendingPathComponent(url.lastPathComponent).path
    }

    /// Whether a bot holds the store's lock now, for the inspection commands: an event `running` in a
    /// store no bot holds was interrupted (the bot was killed), not being handled. Takes a shared lock
    /// for an instant, which a starting bot waits out; nil when the lock file cannot be read.
    public static func isHeld(storePath: String) -> Bool? {
        let path = lockPath(of: storePath)
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 { return false }
        return errno == EWOULDBLOCK ? true : nil
    }

    /// Gives the lock up; a second call does nothing.
    public func release() {
        descriptor.withLock { fd in
            guard let held = fd else { return }
            // Closing the only descriptor of the open file releases the flock.
            close(held)
            fd = nil
        }
    }

    deinit { release() }
}
