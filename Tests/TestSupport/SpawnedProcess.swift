public import Foundation
import Synchronization

/// A program a test starts, with `posix_spawn`: its exit, awaited or waited for, and signals sent to it
/// only while it runs.
///
/// Not Foundation's `Process`: on Linux, the Foundation of Swift 6.3.1 reads past the end of a
/// directory record while `Process.run()` counts the test process's open descriptors in
/// `/proc/self/fd`, and now and then that read ends the whole test run with SIGSEGV (a CI run crashed so,
/// starting `avala-bot run`). The bot itself spawns the same way (its exec plugin).
///
/// The program gets exactly the given environment, no descriptor of the test's but its standard input
/// (`/dev/null`), output and error, and every signal at its default action and unblocked: the test
/// process ignores some while a service group watches them, and a program must not inherit that.
public final class SpawnedProcess: Sendable {
    /// How the program ended.
    public enum Exit: Equatable, Sendable, CustomStringConvertible {
        case status(Int32)
        case signal(Int32)

        public var description: String {
            switch self {
            case .status(let code): "exit status \(code)"
            case .signal(let number): "signal \(number)"
            }
        }

        /// The status a shell reports: the exit status, or 128 plus the signal's number.
        public var shellStatus: Int32 {
            switch self {
            case .status(let code): code
            case .signal(let number): 128 + number
            }
        }
    }

    public struct LaunchError: Error, CustomStringConvertible {
        public var description: String
    }

    public let pid: pid_t
    /// The exit once reaped. The reap happens under this lock and ``send(_:)`` signals under it, so a
    /// signal never reaches another process that got the pid after it.
    private let reaped = Mutex<Exit?>(nil)
    private let ended = OneShot<Exit>()

    /// Starts `executable` (a path; no search) with `arguments`.
    ///
    /// - Parameters:
    ///   - environment: the program's whole environment; nil for the test process's.
    ///   - directory: its working directory; nil for the test process's.
    ///   - output: the descriptor its standard output goes to; nil for `/dev/null`.
    ///   - errors: the descriptor its standard error goes to; nil for `/dev/null`.
    public init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        in directory: String? = nil,
        output: Int32? = nil,
        errors: Int32? = nil
    ) throws(LaunchError) {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard null >= 0 else { throw LaunchError(description: "cannot open /dev/null: \(String(cString: strerror(errno)))") }
        defer { close(null) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (descriptor, target) in [(null, Int32(0)), (output ?? null, 1), (errors ?? null, 2)] {
            posix_spawn_file_actions_adddup2(&actions, descriptor, target)
        }
        // A listener socket or store file some test holds open must not stay open in a program that
        // outlives it.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        if let directory {
            guard let changeDirectory = Self.addChangeDirectory else {
                throw LaunchError(description: "this C library cannot start a program in another directory (no posix_spawn_file_actions_addchdir_np)")
            }
            _ = changeDirectory(&actions, directory)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }

        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw LaunchError(description: "cannot start \(executable): \(String(cString: strerror(result)))") }
        self.pid = pid
        Thread { [self] in watch() }.start()
    }

    /// Blocks a thread of its own (never the cooperative pool's) until the program exits, then reaps it.
    private func watch() {
        var info = siginfo_t()
        // Wait without reaping, so that the pid stays this program's until the reap below, under the lock.
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
        let exit = reaped.withLock { reaped -> Exit in
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
            // The <sys/wait.h> macros are not visible to Swift: the low 7 bits are the terminating signal,
            // 0 for a normal exit, whose status is in the next byte. A status lost to another reaper
            // (nothing in the tests waits for any child) reads as exit status -1.
            let exit: Exit = result != pid ? .status(-1) : status & 0x7f == 0 ? .status((status >> 8) & 0xff) : .signal(status & 0x7f)
            reaped = exit
            return exit
        }
        ended.set(exit)
    }

    /// How the program ended, or nil while it runs.
    public var exit: Exit? { reaped.withLock { $0 } }

    public var isRunning: Bool { exit == nil }

    /// Sends `signal` if the program still runs.
    public func send(_ signal: Int32) {
        reaped.withLock { reaped in
            if reaped == nil { _ = kill(pid, signal) }
        }
    }

    /// Suspends until the program has ended.
    public func waitForExit() async -> Exit {
        await ended.wait()
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34) and `…_addchdir_np` (2.29), looked up at
    /// run time: the header declares them only for `_GNU_SOURCE`, which Swift's Glibc module is not built with.
    private static let addCloseFrom: CloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: CloseFrom.self) }
    private static let addChangeDirectory: ChangeDirectory? = symbol("posix_spawn_file_actions_addchdir_np").map {
        unsafeBitCast($0, to: ChangeDirectory.self)
    }

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        guard let process = dlopen(nil, RTLD_NOW) else { return nil }
        return dlsym(process, name)
    }
}
