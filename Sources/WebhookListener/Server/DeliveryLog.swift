import HTTPTypes
import Logging

/// The logger of one delivery, with its metadata added only when something is logged: the accepted path
/// logs nothing above debug, and building the metadata for every request was measurable.
struct DeliveryLog {
    let base: Logger
    let source: String
    let client: String?
    var eventType: String?
    var deliveryID: String?

    /// The listener's logger with the delivery's source, client, and (once known) event type and id.
    var logger: Logger {
        var logger = base
        logger[metadataKey: "webhook.source"] = "\(source)"
        logger[metadataKey: "client.address"] = "\(client ?? "unknown")"
        if let eventType { logger[metadataKey: "event.type"] = "\(eventType)" }
        if let deliveryID { logger[metadataKey: "delivery.id"] = "\(deliveryID)" }
        return logger
    }

    /// Logs a refusal with its status and reason, and returns it to be thrown.
    func refused(_ rejection: WebhookRejection) -> WebhookRejection {
        logger.info("Webhook refused", metadata: ["status": "\(rejection.status.code)", "reason": "\(rejection.reason)"])
        return rejection
    }

    /// Logs a refusal that can come in floods (403, 429) as ``refused(_:)`` does when `gate` admits it,
    /// once a minute per source and status, and as a debug line otherwise; returns it to be thrown.
    func refused(_ rejection: WebhookRejection, through gate: RefusalLogGate) -> WebhookRejection {
        if gate.admits("\(source) \(rejection.status.code)") {
            logger.info(
                "Webhook refused",
                metadata: [
                    "status": "\(rejection.status.code)", "reason": "\(rejection.reason)",
                    // Those like it in the next minute are debug lines: say so, so a quiet log is not read as no more.
                    "log.repeats": "at debug for \(RefusalLogGate.interval.components.seconds)s",
                ]
            )
        } else {
            debug("Webhook refused", metadata: ["status": "\(rejection.status.code)", "reason": "\(rejection.reason)"])
        }
        return rejection
    }

    /// A debug message, the metadata built only when debug is on.
    func debug(_ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata? = nil) {
        guard base.logLevel <= .debug else { return }
        logger.debug(message(), metadata: metadata())
    }
}
