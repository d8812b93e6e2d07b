import BotEngine
import BotKit
import Testing

/// Bodies as senders deliver them, turned into the bot's event shape with the keys of PRODUCT.md.
@Suite struct EventNormalizerTests {
    @Test func aBareExportBecomesItsKindWithBothKeys() {
        let event = EventNormalizer.normalize(
            type: .exportCompleted,
            body: ["uid": "e-1", "status": "exported"],
            source: "avala",
            deliveryID: "d-1"
        )
        #expect(event.data == ["export": ["uid": "e-1", "status": "completed"]])
        #expect(event.keys == ["delivery:avala:d-1", "export.completed:e-1"])
        #expect(event.subject == Event.Subject(kind: "export", uid: "e-1"))
    }

    @Test func anEnvelopeIsUnwrapped() {
        let event = EventNormalizer.normalize(
            type: .datasetUpdated,
            body: ["event": "dataset.updated", "data": ["uid": "ds-1", "updated_at": "2026-01-01T00:00:00Z"]],
            source: "avala",
            deliveryID: nil
        )
        #expect(event.data["dataset"]?["uid"] == "ds-1")
        #expect(event.keys == ["dataset.updated:ds-1:2026-01-01T00:00:00Z"])
    }

    @Test func flatAgentPayloadsAreLifted() {
        let event = EventNormalizer.normalize(
            type: .taskCompleted,
            body: ["event_payload": ["task_uid": "t-1", "project_uid": "p-1", "task_name": "box"]],
            source: "agents",
            deliveryID: "x"
        )
        #expect(event.data["task"]?["uid"] == "t-1")
        #expect(event.data["project"] == ["uid": "p-1"])
        #expect(event.keys == ["delivery:agents:x", "task.completed:t-1"])
    }

    @Test func anUnknownTypeIsKeptUnderPayload() {
        let event = EventNormalizer.normalize(type: "annotation.created", body: ["id": 7], source: "avala", deliveryID: "d-9")
        #expect(event.data == ["payload": ["id": 7]])
        #expect(event.keys == ["delivery:avala:d-9"])
        #expect(event.subject == nil)
    }

    @Test func theTypeCanComeFromTheBody() {
        #expect(EventNormalizer.typeInBody(["event_type": "export.failed"]) == .exportFailed)
        #expect(EventNormalizer.typeInBody(["uid": "x"]) == nil)
    }
}
