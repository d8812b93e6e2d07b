extension AvalaClient {
    /// `GET /webhooks/`, newest first, every page.
    public func webhooks(pageSize: Int? = nil) -> Paginated<Webhook> {
        paginate(AvalaRequest(.get, Self.path("webhooks"), query: [("limit", pageSize.map(String.init))]))
    }

    /// `GET /webhooks/{uid}/`.
    public func webhook(uid: String) async throws -> Webhook {
        try await send(AvalaRequest(.get, try AvalaPath("webhooks", uid)))
    }

    /// `POST /webhooks/`. The answer carries the secret, which is never shown again.
    public func createWebhook(
        targetURL: String,
        events: [String],
        isActive: Bool? = nil,
        secret: SecretString? = nil
    )
        async throws -> Webhook
    {
        var body: [String: JSONValue] = ["target_url": .string(targetURL), "events": .array(events.map(JSONValue.string))]
        if let isActive { body["is_active"] = .bool(isActive) }
        if let secret { body["secret"] = .string(secret.revealed) }
        return try await send(AvalaRequest(.post, Self.path("webhooks"), body: try Self.json(body)))
    }

    /// `PATCH /webhooks/{uid}/`; the secret cannot be changed.
    public func updateWebhook(
        uid: String,
        targetURL: String? = nil,
        events: [String]? = nil,
        isActive: Bool? = nil
    )
        async throws -> Webhook
    {
        var body: [String: JSONValue] = [:]
        if let targetURL { body["target_url"] = .string(targetURL) }
        if let events { body["events"] = .array(events.map(JSONValue.string)) }
        if let isActive { body["is_active"] = .bool(isActive) }
        return try await send(AvalaRequest(.patch, try AvalaPath("webhooks", uid), body: try Self.json(body), retrySafe: true))
    }

    /// `DELETE /webhooks/{uid}/`.
    public func deleteWebhook(uid: String) async throws {
        try await sendDiscardingBody(AvalaRequest(.delete, try AvalaPath("webhooks", uid)))
    }

    /// `POST /webhooks/{uid}/test/`: asks Avala to send a test delivery.
    public func testWebhook(uid: String) async throws -> WebhookTestResult {
        try await send(AvalaRequest(.post, try AvalaPath("webhooks", uid, "test")))
    }

    /// `GET /webhook-deliveries/`, every page.
    public func webhookDeliveries(ordering: String? = nil, pageSize: Int? = nil) -> Paginated<WebhookDelivery> {
        paginate(
            AvalaRequest(
                .get,
                Self.path("webhook-deliveries"),
                query: [("ordering", ordering), ("limit", pageSize.map(String.init))]
            )
        )
    }

    /// `GET /webhook-deliveries/{uid}/`.
    public func webhookDelivery(uid: String) async throws -> WebhookDelivery {
        try await send(AvalaRequest(.get, try AvalaPath("webhook-deliveries", uid)))
    }
}
