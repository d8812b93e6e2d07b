import AvalaAPI
import Hummingbird

extension APIRoutes {
    /// `ordering` on `/webhook-deliveries/`; without it, newest first.
    static let deliveryOrdering = ListOrdering<WebhookDelivery>(fields: [
        "created_at": ListOrdering.date { $0.createdAt },
        "updated_at": ListOrdering.date { $0.updatedAt },
    ])

    func registerWebhooks(on api: RouterGroup<BasicRequestContext>) {
        api.get("webhooks/") { request, _ in
            try await paginator().page(await state.listWebhooks(), request: request)
        }
        api.post("webhooks/") { request, _ in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            let hook = try await state.createWebhook(
                targetURL: try body.string("target_url"),
                events: try body.strings("events"),
                isActive: try body.bool("is_active"),
                secret: try body.string("secret")
            )
            return SimulatorResponse.json(hook, status: .created)
        }
        api.get("webhooks/:uid/") { _, context in
            SimulatorResponse.json(try await state.webhook(uid: try context.parameter("uid")))
        }
        api.patch("webhooks/:uid/") { request, context in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            let hook = try await state.updateWebhook(
                uid: try context.parameter("uid"),
                targetURL: try body.string("target_url"),
                events: try body.strings("events"),
                isActive: try body.bool("is_active")
            )
            return SimulatorResponse.json(hook)
        }
        api.delete("webhooks/:uid/") { _, context in
            try await state.deleteWebhook(uid: try context.parameter("uid"))
            return SimulatorResponse.noContent()
        }
        api.post("webhooks/:uid/test/") { _, context in
            let delivery = try await state.testWebhook(uid: try context.parameter("uid"))
            return SimulatorResponse.json(
                ["success": true, "message": "Test event queued.", "delivery": .string(delivery)] as JSONValue
            )
        }
        api.get("webhook-deliveries/") { request, _ in
            let paginator = await paginator()
            let deliveries = await state.listDeliveries()
            let listed =
                paginator.quirk == .oldestFirst
                ? Array(deliveries.reversed())
                : Self.deliveryOrdering.apply(deliveries, ordering: request.uri.queryParameters.get("ordering"))
            return try paginator.page(listed, request: request)
        }
        api.get("webhook-deliveries/:uid/") { _, context in
            SimulatorResponse.json(try await state.delivery(uid: try context.parameter("uid")))
        }
    }
}
