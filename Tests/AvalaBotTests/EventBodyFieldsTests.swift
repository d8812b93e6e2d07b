import AvalaAPI
import Foundation
import Testing

@testable import BotEngine

/// `check-config` warns about a field of a poller-built resource that does not exist (`invitation.email`),
/// from lists kept in BotEngine, which cannot see the API models. These tests hold the lists to the
/// models: a field added to a model and not to its list would be warned about though it resolves.
@Suite struct EventBodyFieldsTests {
    /// Decodes a body with every listed field, then checks that the model kept exactly those fields and
    /// has no stored property beyond them.
    static func check<Model: Codable>(_ type: Model.Type, fields: [String], body: [String: Any]) throws {
        #expect(Set(body.keys) == Set(fields), "the test body should have exactly the listed fields")
        let model = try AvalaJSON.makeDecoder().decode(Model.self, from: JSONSerialization.data(withJSONObject: body))
        let encoded = try #require(
            try JSONSerialization.jsonObject(with: AvalaJSON.makeEncoder().encode(model)) as? [String: Any]
        )
        #expect(Set(encoded.keys) == Set(fields), "\(Model.self) encodes other fields than its list")
        #expect(Mirror(reflecting: model).children.count == fields.count, "\(Model.self) has fields its list lacks")
    }

    @Test func memberFieldsAreTheModels() throws {
        try Self.check(
            OrganizationMember.self,
            fields: EventBodyKeys.memberFields,
            body: [
                "user_uid": "u-1", "username": "dana", "email": "dana@acme.ai", "full_name": "Dana", "role": "member",
                "created_at": "2026-11-30T10:00:00Z", "last_active_at": "2026-11-30T11:00:00Z",
            ]
        )
    }

    @Test func invitationFieldsAreTheModels() throws {
        try Self.check(
            Invitation.self,
            fields: EventBodyKeys.invitationFields,
            body: [
                "uid": "i-1", "invited_email": "dana@acme.ai", "organization_name": "Acme", "organization_slug": "acme-ai",
                "invited_by_username": "ops", "role": "member", "status": "pending", "expires_at": "2026-12-07T10:00:00Z",
                "is_expired": false, "created_at": "2026-11-30T10:00:00Z",
            ]
        )
    }

    @Test func deliveryFieldsAreTheModels() throws {
        try Self.check(
            WebhookDelivery.self,
            fields: EventBodyKeys.deliveryFields,
            body: [
                "uid": "d-1", "subscription": "s-1", "event_type": "export.failed", "payload": ["uid": "e-1"], "response_status": 500,
                "response_body": "no", "response_body_size": 2, "response_body_sha256": "ab", "response_preview": "no", "attempts": 3,
                "next_retry_at": "2026-11-30T12:00:00Z", "status": "failed", "created_at": "2026-11-30T10:00:00Z",
                "updated_at": "2026-11-30T11:00:00Z",
            ]
        )
    }

    @Test func exportFieldsAreTheModels() throws {
        try Self.check(
            Export.self,
            fields: EventBodyKeys.exportFields,
            body: [
                "uid": "e-1", "status": "completed", "name": "n", "format": "coco", "projects": ["p-1"], "datasets": ["d-1"],
                "slices": ["s-1"], "error": "none", "download_url": "https://x.example.com/e-1.zip", "total_task_count": 3,
                "exported_task_count": 3, "created_at": "2026-11-30T10:00:00Z", "updated_at": "2026-11-30T11:00:00Z",
            ]
        )
    }

    @Test func projectFieldsAreTheModels() throws {
        try Self.check(
            Project.self,
            fields: EventBodyKeys.projectFields,
            body: [
                "uid": "p-1", "name": "prod", "status": "active", "task_type": "bbox", "owner_name": "ops", "is_active": true,
                "created_at": "2026-11-30T10:00:00Z", "updated_at": "2026-11-30T11:00:00Z",
            ]
        )
    }

    @Test func metricsFieldsAreTheModels() throws {
        try Self.check(
            ProjectMetrics.self,
            fields: EventBodyKeys.metricsFields,
            body: ["total_tasks": 10, "completed_tasks": 4, "acceptance_rate": 0.9]
        )
    }
}
