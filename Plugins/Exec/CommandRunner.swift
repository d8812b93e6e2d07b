import Foundation

/// Runs one program directly (no shell), with an exact environment, the event on stdin, both outputs
/// drained and bounded, and a timeout that stops the program's whole process group.
///
/// Nothing here blocks a thread of the cooperative pool: the exit, stdin and the outputs are all
/// callbacks resumed into continuations.
struct CommandRunner: Sendable {
    enum Ending: Hashable, Sendable {
        case exited(ExitWatcher.Termination)
        /// Stopped by the runner after `timeout`; the termination that followed.
        case timedOut(ExitWatcher.Termination)
    }

    struct Result: Hashable, Sendable {
        var ending: Ending
        var stdout: OutputDrain.Output
        var stderr: OutputDrain.Output
    }

    var path: String
    var arguments: [String]
    var environment: [String: String]
    var timeout: Duration
    /// Bytes kept of each output stream.
    var outputLimit: Int
    /// How long a program has to exit after SIGTERM before SIGKILL.
    var killGrace: Duration = .seconds(2)
    /// How long to keep reading after the exit, for output a left-behind grandchild still holds open.
    var drainGrace: Duration = .seconds(2)

    /// Runs the program to its end.
    /// - Throws: ``ChildProcess/LaunchError`` when it cannot start; `CancellationError` when the task was cancelled
    ///   (the program is stopped, SIGTERM then SIGKILL after `killGrace`, and reaped first).
    func run(stdin: Data) async throws -> Result {
        try Task.checkCancellation()
        // Every descriptor is close-on-exec, so a program started concurrently by another action never
        // inherits one and holds our pipes open; the spawn dup2s the child's ends into 0, 1 and 2.
        let input = try Self.makeSocketPair()
        let output: (parent: Int32, child: Int32)
        let errors: (parent: Int32, child: Int32)
        do {
            output = try Self.makePipe()
            do {
                errors = try Self.makePipe()
            } catch {
                for fd in [output.parent, output.child] { close(fd) }
                throw error
            }
        } catch {
            for fd in [input.parent, input.child] { close(fd) }
            throw error
        }
        let feeder = StdinFeeder(descriptor: input.parent, data: stdin)
        let stdoutDrain = OutputDrain(descriptor: output.parent, limit: outputLimit)
        let stderrDrain = OutputDrain(descriptor: errors.parent, limit: outputLimit)
        let spawned = await spawn(stdin: input.child, stdout: output.child, stderr: errors.child)
        // Our copies of the child's ends must go, or the outputs never reach their end.
        for fd in [input.child, output.child, errors.child] { close(fd) }
        feeder.start()
        stdoutDrain.start()
        stderrDrain.start()
        let watcher: ExitWatcher
        switch spawned {
        case .success(let pid):
            watcher = ExitWatcher(pid: pid)
        case .failure(let error):
            // Stopping the threads closes our ends.
            for drain in [stdoutDrain, stderrDrain] { drain.stop() }
            feeder.stop()
            throw error
        }

        let ending = await wait(for: watcher)
        let (stdout, stderr) = await collect(stdoutDrain, stderrDrain)
        feeder.stop()
        try Task.checkCancellation()
        return Result(ending: ending, stdout: stdout, stderr: stderr)
    }

    /// Starts the program, trying again a few times while its file is busy: a process forked elsewhere
    /// in the bot can hold a just-written script open until it execs, and a deploy may be replacing it.
    private func spawn(stdin: Int32, stdout: Int32, stderr: Int32) async -> Swift.Result<pid_t, ChildProcess.LaunchError> {
        var delay = Duration.milliseconds(5)
        while true {
            let spawned = Swift.Result { () throws(ChildProcess.LaunchError) in
                try ChildProcess.spawn(path: path, arguments: arguments, environment: environment, stdin: stdin, stdout: stdout, stderr: stderr)
            }
            guard case .failure(let error) = spawned, error.isBusy, delay < .milliseconds(500) else { return spawned }
            try? await Task.sleep(for: delay)
            delay *= 2
        }
    }

    /// The exit, racing the timeout. On cancellation (the bot stopping) the group is stopped as at a
    /// timeout, SIGTERM and SIGKILL after `killGrace`, so that a program can still clean up; the child is
    /// reaped before we return.
    private func wait(for watcher: ExitWatcher) async -> Ending {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [timeout, killGrace] in
                do {
                    try await Task.sleep(for: timeout)
                } catch {
                    // Sends nothing when the child exited and we were cancelled for that.
                    _ = await watcher.stopGroup(grace: killGrace)
                    return false
                }
                return await watcher.stopGroup(grace: killGrace)
            }
            let termination = await watcher.termination()
            group.cancelAll()
            var timedOut = false
            for await stopped in group { timedOut = timedOut || stopped }
            return timedOut ? .timedOut(termination) : .exited(termination)
        }
    }

    private func collect(_ stdout: OutputDrain, _ stderr: OutputDrain) async -> (OutputDrain.Output, OutputDrain.Output) {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [drainGrace] in
                try? await Task.sleep(for: drainGrace)
                stdout.stop()
                stderr.stop()
            }
            let out = await stdout.finished()
            let err = await stderr.finished()
            group.cancelAll()
            return (out, err)
        }
    }

    private static func makePipe() throws -> (parent: Int32, child: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw ChildProcess.LaunchError(description: "cannot create a pipe: errno \(errno)") }
        // Glibc's `pipe2` is not visible to Swift, so the flag comes a moment later: only a program started
        // elsewhere in the bot in that instant could inherit these.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // Output flows child → parent: the read end is ours.
        return (parent: fds[0], child: fds[1])
    }

    /// The child's stdin: a socket pair, not a pipe (see ``StdinFeeder``).
    private static func makeSocketPair() throws -> (parent: Int32, child: Int32) {
        var fds: [Int32] = [-1, -1]
        #if canImport(Glibc)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else {
            throw ChildProcess.LaunchError(description: "cannot create a socket pair: errno \(errno)")
        }
        #if !canImport(Glibc)
        var on: Int32 = 1
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = setsockopt(fds[0], SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
        return (parent: fds[0], child: fds[1])
    }
}
