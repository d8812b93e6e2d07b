import Foundation

/// Starts a program with `posix_spawn`, directly (no shell), in a clean state.
///
/// Not Foundation's `Process`, for two reasons that matter in the bot: it passes on the parent's
/// ignored signals and signal mask (swift-service-lifecycle ignores SIGTERM, SIGINT and SIGHUP to watch
/// them, so every program would ignore them too, our own timeout's SIGTERM included), and on Linux it
/// reports an exit only once every process that inherited its private status socket has gone, so a
/// script that leaves a background job would look hung until its timeout.
enum ChildProcess {
    /// The program could not be started (missing since the config was loaded, not executable, out of
    /// processes).
    struct LaunchError: Error, CustomStringConvertible {
        var description: String
        /// The program file is open for writing somewhere (ETXTBSY): being replaced, most likely, so worth
        /// another try shortly.
        var isBusy = false
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), looked up at run time: the
    /// header declares it only for `_GNU_SOURCE`, which Swift's Glibc module is not built with. Without
    /// it (an older C library), programs inherit what the bot has open without close-on-exec.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "posix_spawn_file_actions_addclosefrom_np") else {
            return nil
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Starts `path` with `arguments` and exactly `environment`, its stdin, stdout and stderr on the
    /// given descriptors and no other, in a process group of its own (so a timeout can stop everything it
    /// started), with every signal at its default action and none blocked.
    static func spawn(
        path: String,
        arguments: [String],
        environment: [String: String],
        stdin: Int32,
        stdout: Int32,
        stderr: Int32
    ) throws(LaunchError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The descriptors are close-on-exec; dup2 gives the child copies that are not.
        for (descriptor, target) in [(stdin, Int32(0)), (stdout, 1), (stderr, 2)] {
            posix_spawn_file_actions_adddup2(&actions, descriptor, target)
        }
        // Then nothing else: a descriptor some library opened without close-on-exec (a file being
        // written, another program's pipe in the instant before its flag is set) must not reach the
        // program. It could read what it was never given, hold another program's output open, or keep a
        // file being written busy so that it cannot be run (ETXTBSY).
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }

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
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }

        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw LaunchError(description: String(cString: strerror(result)), isBusy: result == ETXTBSY) }
        return pid
    }
}
