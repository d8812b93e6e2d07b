import AvalaAPI
import Crypto
import Foundation
import HTTPTypes

extension SimulatorState {
    /// The events Avala sends webhooks for; subscriptions may name only these.
    static let webhookEvents: Set<String> = [
        "dataset.created", "dataset.updated", "dataset.deleted", "export.completed", "export.failed", "task.completed",
        "result.submitted", "result.accepted", "result.rejected",
    ]

    func listWebhooks() -> [Webhook] {
        webhooks.map {
            var hook = $0
            hook.secret = nil
            return hook
        }
    }

    func webhook(uid: String) throws(SimulatorError) -> Webhook {
        guard var hook = webhooks.first(where: { $0.uid == uid }) else { throw .notFound() }
        hook.secret = nil
        return hook
    }

    /// The secret is generated when not given, and returned only here.
    func createWebhook(
        targetURL: String?,
        events: [String]?,
        isActive: Bool?,
        secret: String?
    ) throws(SimulatorError)
        -> Webhook
    {
        let target = try Self.validTarget(targetURL)
        let events = try Self.validEvents(events)
        let now = Date()
        let hook = Webhook(
            uid: newUID(),
            targetURL: target,
            events: events,
            isActive: isActive ?? true,
            secret: SecretString(
                secret ?? configuration.defaultWebhookSecret ?? "whsec_sim_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            ),
            createdAt: now,
            updatedAt: now
        )
        webhooks.insert(hook, at: 0)
        return hook
    }

    func updateWebhook(uid: String, targetURL: String?, events: [String]?, isActive: Bool?) throws(SimulatorError) -> Webhook {
        guard let index = webhooks.firstIndex(where: { $0.uid == uid }) else { throw .notFound() }
        if let targetURL { webhooks[index].targetURL = try Self.validTarget(targetURL) }
        if let events { webhooks[index].events = try Self.validEvents(events) }
        if let isActive { webhooks[index].isActive = isActive }
        webhooks[index].updatedAt = Date()
        var hook = webhooks[index]
        hook.secret = nil
        return hook
    }

    func deleteWebhook(uid: String) throws(SimulatorError) {
        guard let index = webhooks.firstIndex(where: { $0.uid == uid }) else { throw .notFound() }
        webhooks.remove(at: index)
    }

    /// Queues a `webhook.test` delivery to an active subscription.
    func testWebhook(uid: String) throws(SimulatorError) -> String {
        guard let hook = webhooks.first(where: { $0.uid == uid }) else { throw .notFound() }
        guard hook.isActive else { throw .detail(.badRequest, "Cannot test an inactive webhook.") }
        let payload: JSONValue = ["event": "webhook.test", "webhook": .string(uid), "sent_at": .string(AvalaJSON.formatTimestamp(Date()))]
        return enqueue(hook: hook, eventType: "webhook.test", body: Self.encode(payload))
    }

    func listDeliveries() -> [WebhookDelivery] {
        deliveries.map(\.delivery)
    }

    func delivery(uid: String) throws(SimulatorError) -> WebhookDelivery {
        guard let record = deliveries.first(where: { $0.delivery.uid == uid }) else { throw .notFound() }
        return record.delivery
    }

    /// Fires `eventType` with `resource` as the bare body to every active subscription that asked for it.
    @discardableResult
    func emit<Resource: Encodable>(_ eventType: String, resource: Resource) -> [String] {
        let body = Self.encode(resource)
        return webhooks.filter { $0.isActive && ($0.events.contains(eventType) || $0.events.contains("*")) }
            .map { enqueue(hook: $0, eventType: eventType, body: body) }
    }

    private func enqueue(hook: Webhook, eventType: String, body: [UInt8]) -> String {
        let now = Date()
        let payload = try? AvalaJSON.makeDecoder().decode(JSONValue.self, from: Data(body))
        let delivery = WebhookDelivery(
            uid: newUID(),
            subscription: hook.uid,
            eventType: eventType,
            payload: payload,
            attempts: 0,
            nextRetryAt: nil,
            status: .pending,
            createdAt: now,
            updatedAt: now
        )
        deliveries.insert(
            DeliveryRecord(
                delivery: delivery,
                body: body,
                targetURL: hook.targetURL,
                secret: hook.secret?.revealed ?? "",
                dueAt: now
            ),
            at: 0
        )
        return delivery.uid
    }

    /// The deliveries whose attempt is due, marked in flight.
    func takeDueDeliveries(now: Date) -> [DeliveryJob] {
        var jobs: [DeliveryJob] = []
        for index in deliveries.indices {
            guard let due = deliveries[index].dueAt, due <= now else { continue }
            deliveries[index].dueAt = nil
            let record = deliveries[index]
            jobs.append(
                DeliveryJob(
                    uid: record.delivery.uid,
                    eventType: record.delivery.eventType,
                    targetURL: record.targetURL,
                    body: record.body,
                    signature: Self.sign(record.body, secret: record.secret)
                )
            )
        }
        return jobs
    }

    /// Records one attempt; schedules the next after a non-2xx answer until the retries run out.
    func recordAttempt(uid: String, responseStatus: Int?, responseBody: String?) {
        guard let index = deliveries.firstIndex(where: { $0.delivery.uid == uid }) else { return }
        let now = Date()
        var delivery = deliveries[index].delivery
        delivery.attempts += 1
        delivery.responseStatus = responseStatus
        delivery.responseBody = responseBody.map { String($0.prefix(1024)) }
        delivery.responseBodySize = responseBody?.utf8.count
        delivery.responsePreview = responseBody.map { String($0.prefix(200)) }
        delivery.updatedAt = now
        if let responseStatus, (200..<300).contains(responseStatus) {
            delivery.status = .delivered
            delivery.nextRetryAt = nil
            deliveries[index].dueAt = nil
        } else if delivery.attempts <= configuration.webhookRetryDelays.count {
            let next = now.addingTimeInterval(configuration.webhookRetryDelays[delivery.attempts - 1].timeInterval)
            delivery.status = .pending
            delivery.nextRetryAt = next
            deliveries[index].dueAt = next
        } else {
            delivery.status = .failed
            delivery.nextRetryAt = nil
            deliveries[index].dueAt = nil
        }
        deliveries[index].delivery = delivery
    }

    /// The `avala` scheme: lower-case hex HMAC-SHA256 of the raw body with the subscription's secret.
    static func sign(_ body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    static func encode<Value: Encodable>(_ value: Value) -> [UInt8] {
        Array((try? AvalaJSON.makeEncoder().encode(value)) ?? Data("{}".utf8))
    }

    private static func validTarget(_ url: String?) throws(SimulatorError) -> String {
        guard let url, !url.isEmpty else { throw .invalid("target_url", "This field is required.") }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", components.host?.isEmpty == false
        else { throw .invalid("target_url", "Enter a valid URL.") }
        return url
    }

    private static func validEvents(_ events: [String]?) throws(SimulatorError) -> [String] {
        guard let events, !events.isEmpty else { throw .invalid("events", "This field is required.") }
        for event in events where !webhookEvents.contains(event) && event != "*" {
            throw .invalid("events", "\"\(event)\" is not a valid choice.")
        }
        return events
    }
}

/// One delivery attempt to make.
struct DeliveryJob: Sendable {
    let uid: String
    let eventType: String
    let targetURL: String
    let body: [UInt8]
    let signature: String
}
