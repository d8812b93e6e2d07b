import BotEngine
import BotKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// One webhook path: limits, verification, parsing, then the store — in that order, so nothing is parsed
/// before its signature is checked and nothing is acknowledged before it is on disk.
struct WebhookEndpoint: Sendable {
    let path: WebhookPath
    /// Replaced by ``WebhookListener/reloadVerification(_:)`` (a secret rotation, on SIGHUP).
    let verifier: VerifierSlot
    let shared: ListenerShared

    /// The answer to one delivery; refusals are thrown as ``WebhookRejection``.
    func handle(_ request: Request, context: ListenerRequestContext) async throws -> Response {
        let configuration = shared.configuration
        let client = shared.client(of: request, context: context)
        var log = DeliveryLog(base: shared.logger, source: path.source, client: client)

        guard shared.addresses.isAllowed(client) else {
            throw log.refused(WebhookRejection(.forbidden, "client not allowed"), through: shared.refusalLog)
        }
        guard shared.limiter.allow(client ?? "unknown") else {
            throw log.refused(WebhookRejection(.tooManyRequests, "rate limited", retryAfter: 1), through: shared.refusalLog)
        }
        // Refusals from here on are logged with their reason: when Avala reports failing deliveries, the
        // log says why, not only a counter in /metrics.
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maxBody {
            throw log.refused(WebhookRejection(.contentTooLarge, "body larger than \(configuration.maxBody) bytes"))
        }
        let body: [UInt8]
        do {
            body = try await readBody(request.body, limit: configuration.maxBody, timeout: configuration.requestTimeout, on: context.eventLoop)
        } catch let rejection as WebhookRejection {
            throw log.refused(rejection)
        }

        let now = shared.now()
        let delivery: VerifiedDelivery
        do {
            delivery = try verifier.current.verify(headers: request.headers, body: body, now: now)
        } catch {
            await recordRejection(reason: error.reason, now: now, logger: log.logger)
            throw WebhookRejection(.unauthorized, error.reason)
        }

        let json: JSON
        do {
            json = try JSONBody.parse(body)
        } catch {
            // A sender set to another content type signs what it sends (GitHub's default is a form,
            // `payload=…`), so the signature passes and the body is not JSON: name the type and what to
            // set, rather than a parse error at byte 0 that reads as a broken sender.
            if let type = JSONBody.nonJSONMediaType(request.headers[.contentType]) {
                throw log.refused(
                    WebhookRejection(.unsupportedMediaType, "Content-Type \(type) is not JSON: set the sender's content type to application/json")
                )
            }
            throw log.refused(WebhookRejection(.badRequest, error.description))
        }
        var event: Event
        do {
            event = try EnvelopeDecoder.event(body: json, format: path.format, delivery: delivery, source: path.source, now: now)
        } catch {
            throw log.refused(WebhookRejection(.badRequest, error.reason))
        }
        // An export the bot created carries its chain depth from the start, as the poller's event would.
        event = await shared.store.withRecordedChainDepth(event)
        log.eventType = event.type.rawValue
        log.deliveryID = delivery.deliveryID

        let result: IngestResult
        do {
            result = try await shared.store.ingest(event)
        } catch {
            shared.health.recordFailure(error, now: now).log(error, as: Self.storeWording, to: log.logger)
            throw WebhookRejection(.serviceUnavailable, "store unavailable", retryAfter: configuration.retryAfter)
        }
        shared.health.recordSuccess()?.log(as: Self.storeWording, to: log.logger)
        switch result {
        case .new(let eventID):
            shared.wake?.wake()
            log.debug("Webhook stored", metadata: ["event.id": "\(eventID)"])
            return ListenerJSON.response(.accepted, ["id": .string(eventID)])
        case .duplicate(let existingID, _):
            log.debug("Webhook duplicate", metadata: ["event.id": "\(existingID)"])
            return ListenerJSON.response(.ok, ["duplicate": true])
        }
    }

    /// Every delivery fails while the store cannot write: the first failure and each new error are
    /// errors, the same error again a reminder once a minute, the rest debug lines.
    static let storeWording = RepeatedFailureLog.Wording(
        first: "Webhook not stored: the store cannot write",
        still: "Webhooks still not stored: the store cannot write",
        again: "Webhook not stored: the store cannot write",
        recovered: "Webhooks are stored again",
        prefix: "store"
    )

    /// Reads at most `limit` bytes; beyond that it stops reading (413) instead of buffering the rest, and a
    /// client that has not sent the whole body within `timeout` gets 408.
    ///
    /// The time limit is a timer on the connection's event loop that cancels the read: one task and one
    /// timer per request. (A task group racing the read against `Task.sleep` cost two tasks and a
    /// dispatch timer per request, a measurable share of the listener's CPU.)
    private func readBody(_ body: RequestBody, limit: Int, timeout: Duration, on eventLoop: any EventLoop) async throws -> [UInt8] {
        let reader = Task {
            var bytes: [UInt8] = []
            for try await chunk in body {
                guard bytes.count + chunk.readableBytes <= limit else {
                    throw WebhookRejection(.contentTooLarge, "body larger than \(limit) bytes")
                }
                bytes.append(contentsOf: chunk.readableBytesView)
            }
            // A cancelled read can end like a finished body: only a read that was not cancelled is whole.
            try Task.checkCancellation()
            return bytes
        }
        let timedOut = Atomic(false)
        let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            timedOut.store(true, ordering: .relaxed)
            reader.cancel()
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await reader.value
            } onCancel: {
                reader.cancel()
            }
        } catch {
            if timedOut.load(ordering: .relaxed) { throw WebhookRejection(.requestTimeout, "request took too long") }
            throw error
        }
    }

    /// Counts and logs the rejection; the one that completes a burst stores a `bot.webhook.rejected_burst`
    /// event. Once a window's burst is reported, its further rejections are debug lines: a flood of
    /// forgeries must not become a flood of log lines (`/metrics` still counts every one).
    private func recordRejection(reason: String, now: Date, logger: Logger) async {
        let recorded = shared.bursts.record(source: path.source, reason: reason, now: now)
        logger.log(level: recorded.inReportedBurst ? .debug : .info, "Webhook rejected", metadata: ["reason": "\(reason)"])
        guard let event = recorded.burst else { return }
        do {
            if try await shared.store.ingest(event).isNew { shared.wake?.wake() }
            logger.warning("Webhook rejections in a burst", metadata: ["event.id": "\(event.id)"])
        } catch {
            logger.error("Rejected-burst event not stored", metadata: ["error": "\(error)"])
        }
    }
}
