import BotKit
import Logging
import ServiceLifecycle

/// Says in the log when a stop begins, so an operator who sent SIGTERM sees that the bot is draining, not
/// hanging; `RunCommand` logs the end. It runs beside the bot's services and does nothing else.
struct ShutdownNotice: Service {
    let logger: Logger
    /// `dispatcher.shutdown_grace`, for the message: how long in-flight actions may still take.
    let grace: Duration
    /// Told first: the dispatcher stops claiming and starts counting its grace period at the signal.
    var onShutdown: @Sendable () -> Void = {}

    func run() async throws {
        // Cancelled instead (the group stops because a service failed): that is logged where it failed.
        try await gracefulShutdown()
        onShutdown()
        logger.notice(
            "avala-bot stopping: no new work is taken; in-flight actions may finish",
            metadata: ["shutdown.grace": "\(ConfigDuration.format(grace))"]
        )
    }
}
