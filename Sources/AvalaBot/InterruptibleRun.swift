import Logging
import ServiceLifecycle
import UnixSignals

/// Runs the bot's service group with Ctrl-C as people expect it: the first SIGINT drains, as SIGTERM
/// does, and a second one while in-flight actions are still finishing stops now. The group alone cannot
/// do this (a signal is either a drain or a cancellation for it), and an operator who pressed Ctrl-C
/// twice should not have to wait out `dispatcher.shutdown_grace` or reach for kill -9.
enum InterruptibleRun {
    /// - Returns: true when a second SIGINT cut the drain short: the actions still running were
    ///   cancelled, their steps left to be run again at the next start.
    static func run(_ group: ServiceGroup, logger: Logger) async throws -> Bool {
        // Trapped before the group starts, so no SIGINT falls back to the default action of ending the
        // process mid-write.
        let interrupts = await UnixSignalsSequence(trapping: .sigint)
        return try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await group.run()
                return false
            }
            tasks.addTask {
                var seen = 0
                for await _ in interrupts {
                    seen += 1
                    if seen == 1 {
                        await group.triggerGracefulShutdown()
                    } else {
                        logger.warning("second SIGINT: stopping now; actions still running are cancelled and run again at the next start")
                        return true
                    }
                }
                return false
            }
            // The group ending first is the usual stop; the watcher ending first is the second SIGINT.
            let forced = try await tasks.next() ?? false
            tasks.cancelAll()
            // What the group throws once cancelled says only that it was cancelled: the caller reports
            // the forced stop. An error from the group itself, on the usual stop, is thrown above.
            do {
                while try await tasks.next() != nil {}
            } catch  where forced {
                logger.debug("the service group ended on cancellation", metadata: ["error": "\(error)"])
            }
            return forced
        }
    }
}
