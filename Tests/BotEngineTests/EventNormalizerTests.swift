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

    /// The `data: {id, …}` envelope names the resource's uid `id`: it is the subject and the semantic key
    /// as `uid` would be, so the exports poller's later `export.completed:e-1` is a duplicate of it.
    @Test func aResourceNamedByIdIsKeyedByIt() {
        let event = EventNormalizer.normalize(
            type: .exportCompleted,
            body: ["event": "export.completed", "data": ["id": "e-1", "status": "completed"]],
            source: "avala",
            deliveryID: "d-1"
        )
        #expect(event.keys == ["delivery:avala:d-1", "export.completed:e-1"])
        #expect(event.subject == Event.Subject(kind: "export", uid: "e-1"))
        #expect(event.data["export"]?["uid"] == "e-1")
    }

    /// A key with an empty part would stand for every fact that lacks it: an empty uid names no subject,
    /// a `dataset.updated` without its time gets no semantic key. The delivery key still applies.
    @Test func anEmptyPartMakesNoSemanticKey() {
        let noUID = EventNormalizer.normalize(type: .exportCompleted, body: ["uid": "", "status": "completed"], source: "avala", deliveryID: "d-2")
        #expect(noUID.keys == ["delivery:avala:d-2"])
        #expect(noUID.subject == nil)
        let noTime = EventNormalizer.normalize(
            type: .datasetUpdated,
            body: ["event_payload": ["dataset_uid": "ds-1"]],
            source: "agents",
            deliveryID: "d-3"
        )
        #expect(noTime.keys == ["delivery:agents:d-3"])
        #expect(noTime.subject == Event.Subject(kind: "dataset", uid: "ds-1"))
    }

    @Test func theTypeCanComeFromTheBody() {
        #expect(EventNormalizer.typeInBody(["event_type": "export.failed"]) == .exportFailed)
        #expect(EventNormalizer.typeInBody(["uid": "x"]) == nil)
    }
}
