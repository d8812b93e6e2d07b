import AvalaAPI
import Foundation
import Testing

/// Every documented payload variant (avala-api.md) must decode, because the sources disagree and the bot
/// talks to whichever one the server turns out to follow.
@Suite struct ModelDecodingTests {
    /// Whole numbers up to 2^53 go out as integers, as they came in; beyond, as a `Double` writes itself.
    @Test(arguments: [
        (1e15, "1000000000000000"), (9_007_199_254_740_992, "9007199254740992"), (-9_007_199_254_740_992, "-9007199254740992"),
        (42, "42"), (1.5, "1.5"),
    ])
    func wholeNumbersUpTo2To53AreWrittenAsIntegers(value: Double, text: String) throws {
        let data = try JSONEncoder().encode(JSONValue.number(value))
        #expect(String(decoding: data, as: UTF8.self) == text)
        #expect(JSONValue.number(value).intValue == (value.rounded() == value ? Int(value) : nil))
    }

    /// A whole number past 2^53 that fits Int64 (an id in item metadata) is read and written back as the
    /// API wrote it, not rounded to the nearest Double; a fraction or a number past Int64 stays a Double.
    @Test(arguments: [
        ("9007199254740993", "9007199254740993"), ("-9223372036854775808", "-9223372036854775808"),
        ("9223372036854775807", "9223372036854775807"), ("42", "42"), ("1.5", "1.5"),
    ])
    func wholeNumbersThatFitInt64AreKeptExactly(text: String, written: String) throws {
        let value = try decode(JSONValue.self, "{\"n\": \(text)}")
        let data = try JSONEncoder().encode(value["n"])
        #expect(String(decoding: data, as: UTF8.self) == written)
        #expect(value["n"]?.intValue == Int(written))
    }

    private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try AvalaJSON.makeDecoder().decode(T.self, from: Data(json.utf8))
    }

    /// Encoded output read back as a JSON tree, so assertions do not depend on key order or spacing.
    private func encodeToJSON<T: Encodable>(_ value: T) throws -> JSONValue {
        let data = try AvalaJSON.makeEncoder().encode(value)
        return try JSONDecoder().decode(JSONValue.self, from: data)
    }

    private func utc(
        _ year: Int,
        _ month: Int,
        _ day: Int,
        _ hour: Int = 0,
        _ minute: Int = 0,
        _ second: Int = 0
    )
        throws -> Date
    {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        return try #require(
            calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
        )
    }

    // MARK: - Dataset

    @Test func datasetWithOwnerNameAsTheSDKSendsIt() throws {
        let dataset = try decode(
            Dataset.self,
            """
            {"uid": "ds-1", "name": "Street scenes", "slug": "street-scenes", "item_count": 42,
             "owner_name": "acme", "status": "created", "data_type": "image", "is_sequence": false,
             "predefined_labels": [{"name": "car"}], "visibility": "private",
             "created_at": "2026-01-01T00:00:00.000000Z", "updated_at": "2026-01-02T00:00:00.000000Z"}
            """
        )
        #expect(dataset.uid == "ds-1")
        #expect(dataset.name == "Street scenes")
        #expect(dataset.slug == "street-scenes")
        #expect(dataset.itemCount == 42)
        #expect(dataset.ownerName == "acme")
        #expect(dataset.status == .created)
        #expect(dataset.dataType == .image)
        #expect(dataset.isSequence == false)
        #expect(dataset.visibility == "private")
        #expect(dataset.createdAt == (try utc(2026, 1, 1)))
        #expect(dataset.updatedAt == (try utc(2026, 1, 2)))
    }

    @Test func datasetWithOwnerAsSEEDAndTheDOCnWebhookSendIt() throws {
        let dataset = try decode(
            Dataset.self,
            """
            {"uid": "ds-2", "name": "Lidar", "owner": "acme", "slug": "lidar", "data_type": "lidar",
             "item_count": 7, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
            """
        )
        #expect(dataset.ownerName == "acme")
        #expect(dataset.dataType == .lidar)
        #expect(dataset.itemCount == 7)
    }

    @Test func datasetPrefersOwnerNameWhenBothAreSent() throws {
        let dataset = try decode(
            Dataset.self,
            #"{"uid": "ds-3", "name": "n", "slug": "s", "owner": "legacy", "owner_name": "acme"}"#
        )
        #expect(dataset.ownerName == "acme")
    }

    @Test func datasetOptionalFieldsDefaultWhenAbsent() throws {
        let dataset = try decode(Dataset.self, #"{"uid": "ds-4", "name": "n", "slug": "s"}"#)
        // The SDK defaults item_count to 0; everything else is simply unknown.
        #expect(dataset.itemCount == 0)
        #expect(dataset.ownerName == nil)
        #expect(dataset.status == nil)
        #expect(dataset.createdAt == nil)
    }

    // MARK: - Export status

    @Test(arguments: ["exported", "completed"])
    func exportSuccessSpellingsBothSucceed(status: String) throws {
        let export = try decode(
            Export.self,
            """
            {"uid": "ex-1", "status": "\(status)", "download_url": "https://files.avala.ai/ex-1.zip",
             "format": "coco", "created_at": "2026-01-01T00:00:00Z"}
            """
        )
        let decoded = try #require(export.status)
        #expect(decoded.isSucceeded)
        #expect(!decoded.isFailed)
        #expect(decoded.isTerminal)
        #expect(export.downloadURL == "https://files.avala.ai/ex-1.zip")
    }

    @Test func exportFailedIsTerminalFailure() throws {
        let export = try decode(
            Export.self,
            #"{"uid": "ex-2", "status": "failed", "download_url": null, "error": "disk full"}"#
        )
        let status = try #require(export.status)
        #expect(status.isFailed)
        #expect(!status.isSucceeded)
        #expect(status.isTerminal)
        #expect(export.downloadURL == nil)
        #expect(export.error == "disk full")
    }

    @Test(arguments: ["requested", "pending", "processing"])
    func exportInFlightStatusesAreNotTerminal(status: String) throws {
        let export = try decode(Export.self, #"{"uid": "ex-3", "status": "\#(status)"}"#)
        let decoded = try #require(export.status)
        #expect(!decoded.isTerminal)
        #expect(decoded.rawValue == status)
    }

    @Test func unknownExportStatusIsKeptAndStillRunning() throws {
        let export = try decode(Export.self, #"{"uid": "ex-4", "status": "archived"}"#)
        let status = try #require(export.status)
        #expect(status.rawValue == "archived")
        #expect(status.description == "archived")
        #expect(!status.isTerminal)
        #expect(!status.isSucceeded)
        #expect(!status.isFailed)
    }

    @Test func exportWithTheDOCFields() throws {
        let export = try decode(
            Export.self,
            """
            {"uid": "ex-5", "name": "weekly", "format": "avala-json-external", "status": "requested",
             "total_task_count": 10, "exported_task_count": 4, "datasets": ["ds-1"], "projects": [],
             "slices": [], "organization": {"slug": "acme"}, "download_url": null}
            """
        )
        #expect(export.name == "weekly")
        #expect(export.totalTaskCount == 10)
        #expect(export.exportedTaskCount == 4)
        #expect(export.datasets == ["ds-1"])
        #expect(export.projects == [])
    }

    @Test(arguments: [
        ("exported", "completed"), ("completed", "completed"), ("EXPORTED", "completed"),
        ("failed", "failed"), ("processing", "processing"), ("archived", "archived"),
    ])
    func exportStatusNormalized(raw: String, normalized: String) {
        // Event keys use one spelling of success, so an `exported` and a `completed` poll do not fire twice.
        #expect(ExportStatus(rawValue: raw).normalized.rawValue == normalized)
    }

    // MARK: - Organization members

    @Test func memberFlatAsTheSDKReadsIt() throws {
        let member = try decode(
            OrganizationMember.self,
            """
            {"user_uid": "u-1", "username": "alice", "email": "alice@example.com", "full_name": "Alice A",
             "picture": null, "role": "admin", "created_at": "2026-01-01T00:00:00Z",
             "last_active_at": "2026-01-05T10:00:00Z"}
            """
        )
        #expect(member.userUID == "u-1")
        #expect(member.username == "alice")
        #expect(member.email == "alice@example.com")
        #expect(member.fullName == "Alice A")
        #expect(member.role == .admin)
        #expect(member.createdAt == (try utc(2026, 1, 1)))
        #expect(member.lastActiveAt == (try utc(2026, 1, 5, 10)))
    }

    @Test func memberNestedUnderUserAsSEEDReadsIt() throws {
        let member = try decode(
            OrganizationMember.self,
            """
            {"user": {"uid": "u-2", "username": "bob", "email": "bob@example.com", "full_name": "Bob B"},
             "role": "member", "created_at": "2026-02-01T00:00:00Z"}
            """
        )
        #expect(member.userUID == "u-2")
        #expect(member.username == "bob")
        #expect(member.email == "bob@example.com")
        #expect(member.fullName == "Bob B")
        #expect(member.role == .member)
        #expect(member.createdAt == (try utc(2026, 2, 1)))
    }

    @Test func memberNestedWithUserUIDInsideUser() throws {
        let member = try decode(OrganizationMember.self, #"{"user": {"user_uid": "u-3", "username": "carol"}}"#)
        #expect(member.userUID == "u-3")
        #expect(member.username == "carol")
    }

    @Test func memberWithoutAnyUserUIDFails() {
        #expect(throws: DecodingError.self) {
            try decode(OrganizationMember.self, #"{"user": {"username": "nobody"}, "role": "member"}"#)
        }
    }

    @Test func membersPageAsABareArrayAsTheDOCnOpenAPIShowsIt() throws {
        let page = try decode(
            Page<OrganizationMember>.self,
            """
            [{"user_uid": "u-1", "username": "alice", "role": "owner"},
             {"user_uid": "u-2", "username": "bob", "role": "member"}]
            """
        )
        #expect(page.results.map(\.userUID) == ["u-1", "u-2"])
        #expect(page.results.map(\.role) == [.owner, .member])
        // A bare array is the whole listing: there is nothing to follow.
        #expect(page.next == nil)
        #expect(page.previous == nil)
    }

    @Test func membersPageAsTheResultsEnvelopeAsTheSDKExpects() throws {
        let page = try decode(
            Page<OrganizationMember>.self,
            """
            {"count": 3, "next": "https://api.avala.ai/api/v1/organizations/acme/members/?cursor=cD0y",
             "previous": null,
             "results": [{"user_uid": "u-1", "username": "alice"}, {"user": {"uid": "u-2", "username": "bob"}}]}
            """
        )
        #expect(page.results.map(\.userUID) == ["u-1", "u-2"])
        #expect(page.results.map(\.username) == ["alice", "bob"])
        #expect(page.next == "https://api.avala.ai/api/v1/organizations/acme/members/?cursor=cD0y")
        #expect(page.previous == nil)
        #expect(page.count == 3)
    }

    @Test func pageWithoutResultsFails() {
        #expect(throws: DecodingError.self) {
            try decode(Page<OrganizationMember>.self, #"{"next": null, "previous": null}"#)
        }
    }

    @Test func bareArrayPageReportsTheElementThatFailed() {
        let error = #expect(throws: DecodingError.self) {
            try decode(Page<OrganizationMember>.self, #"[{"user_uid": "u-1"}, {"username": "no-uid"}]"#)
        }
        // The `.decoding` error the client raises is built from this one: it must name the bad element,
        // not the envelope fallback's "expected a dictionary but found an array".
        guard case .keyNotFound(let key, let context)? = error else {
            Issue.record("expected keyNotFound for the second element, got \(String(describing: error))")
            return
        }
        #expect(key.stringValue == "user_uid")
        #expect(context.codingPath.first?.intValue == 1)
    }

    // MARK: - Invitations and roles

    @Test func invitationWithInvitedEmailAsTheSDKReturnsIt() throws {
        let invitation = try decode(
            Invitation.self,
            """
            {"uid": "inv-1", "invited_email": "dave@example.com", "organization_name": "Acme",
             "organization_slug": "acme", "invited_by_username": "alice", "role": "member", "status": "pending",
             "expires_at": "2026-01-08T00:00:00.000000Z", "is_expired": false,
             "accept_url": "https://avala.ai/invite/x", "copy_link": "https://avala.ai/invite/x",
             "created_at": "2026-01-01T00:00:00.000000Z"}
            """
        )
        #expect(invitation.uid == "inv-1")
        #expect(invitation.invitedEmail == "dave@example.com")
        #expect(invitation.organizationSlug == "acme")
        #expect(invitation.invitedByUsername == "alice")
        #expect(invitation.role == .member)
        #expect(invitation.status == .pending)
        #expect(invitation.isExpired == false)
        #expect(invitation.expiresAt == (try utc(2026, 1, 8)))
    }

    @Test func invitationWithEmailAsSEEDReadsIt() throws {
        let invitation = try decode(Invitation.self, #"{"uid": "inv-2", "email": "erin@example.com", "role": "admin"}"#)
        #expect(invitation.invitedEmail == "erin@example.com")
        #expect(invitation.role == .admin)
    }

    @Test func invitationWithoutAnyEmailFails() {
        #expect(throws: DecodingError.self) {
            try decode(Invitation.self, #"{"uid": "inv-3", "role": "member"}"#)
        }
    }

    @Test func unknownMemberRoleIsKept() throws {
        // SEED sends `annotator`, which no documented enum has; the page must still decode.
        let invitation = try decode(Invitation.self, #"{"uid": "inv-4", "email": "f@example.com", "role": "annotator"}"#)
        let role = try #require(invitation.role)
        #expect(role.rawValue == "annotator")
        #expect(role != .owner && role != .admin && role != .member)

        let member = try decode(OrganizationMember.self, #"{"user_uid": "u-9", "role": "annotator"}"#)
        #expect(member.role?.rawValue == "annotator")
    }

    // MARK: - Dataset items and webhook deliveries

    @Test func datasetItemAsTheSDKDescribesIt() throws {
        let item = try decode(
            DatasetItem.self,
            """
            {"uid": "it-1", "id": 17, "is_hidden": true, "key": "frame_0001.jpg", "dataset": "ds-1",
             "dataset_owner_name": "acme", "dataset_slug": "street-scenes",
             "url": "https://cdn.avala.ai/it-1.jpg", "thumbnails": ["https://cdn.avala.ai/t.jpg"],
             "metadata": {"camera": "front", "frame": 1}, "related_items": [],
             "created_at": "2026-01-01T00:00:00Z"}
            """
        )
        #expect(item.id == 17)
        #expect(item.isHidden)
        #expect(item.key == "frame_0001.jpg")
        #expect(item.datasetOwnerName == "acme")
        #expect(item.datasetSlug == "street-scenes")
        #expect(item.url == "https://cdn.avala.ai/it-1.jpg")
        #expect(item.metadata?["camera"] == .string("front"))
        #expect(item.metadata?["frame"]?.intValue == 1)
    }

    @Test func datasetItemWithTheDOCnFields() throws {
        let item = try decode(
            DatasetItem.self,
            """
            {"uid": "it-2", "status": "ready", "data_url": "https://cdn.avala.ai/it-2.jpg",
             "thumbnail_url": "https://cdn.avala.ai/it-2-thumb.jpg", "annotations_count": 3,
             "created_at": "2026-01-01T00:00:00Z"}
            """
        )
        #expect(item.uid == "it-2")
        #expect(item.url == "https://cdn.avala.ai/it-2.jpg")
        #expect(item.isHidden == false)
    }

    @Test func webhookDeliveryWithResponseBody() throws {
        let delivery = try decode(
            WebhookDelivery.self,
            """
            {"uid": "dl-1", "subscription": "wh-1", "event_type": "export.completed",
             "payload": {"uid": "ex-1", "status": "exported"}, "response_status": 500,
             "response_body": "upstream exploded", "attempts": 3, "next_retry_at": "2026-01-01T00:05:00Z",
             "status": "failed", "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:04:00Z"}
            """
        )
        #expect(delivery.subscription == "wh-1")
        #expect(delivery.eventType == "export.completed")
        #expect(delivery.payload?["status"] == .string("exported"))
        #expect(delivery.responseStatus == 500)
        #expect(delivery.responseBody == "upstream exploded")
        #expect(delivery.responseBodySize == nil)
        #expect(delivery.attempts == 3)
        #expect(delivery.status == .failed)
        #expect(delivery.nextRetryAt == (try utc(2026, 1, 1, 0, 5)))
    }

    @Test func webhookDeliveryWithTheDOCnResponseSummary() throws {
        let delivery = try decode(
            WebhookDelivery.self,
            """
            {"uid": "dl-2", "subscription": "wh-1", "event_type": "dataset.created", "payload": null,
             "response_status": 200, "response_body_size": 1234,
             "response_body_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
             "response_preview": "{\\"ok\\": true}", "attempts": 1, "next_retry_at": null, "status": "delivered",
             "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:01Z"}
            """
        )
        #expect(delivery.responseBody == nil)
        #expect(delivery.responseBodySize == 1234)
        #expect(delivery.responseBodySHA256 == "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        #expect(delivery.responsePreview == #"{"ok": true}"#)
        #expect(delivery.status == .delivered)
        #expect(delivery.payload == nil)
        #expect(delivery.nextRetryAt == nil)
    }

    // MARK: - Timestamps

    @Test(arguments: [
        ("2026-11-30T11:35:22.123456Z", 0.123456),
        ("2026-11-30T11:35:22Z", 0.0),
        ("2026-11-30T11:35:22+00:00", 0.0),
        ("2026-11-30T11:35:22.123456+00:00", 0.123456),
        ("2026-11-30T13:35:22+02:00", 0.0),
        ("2026-11-30T06:35:22.5-05:00", 0.5),
    ])
    func timestampVariantsDecodeToTheSameInstant(text: String, fraction: Double) throws {
        let export = try decode(Export.self, #"{"uid": "ex-t", "created_at": "\#(text)"}"#)
        let decoded = try #require(export.createdAt)
        let expected = try utc(2026, 11, 30, 11, 35, 22).addingTimeInterval(fraction)
        #expect(abs(decoded.timeIntervalSince(expected)) < 0.000_001)
    }

    @Test(arguments: [
        "yesterday", "", "2026-11-30", "2026-13-01T00:00:00Z", "2026-11-30T25:00:00Z",
        "2026-11-30T11:35:22.Z", "2026-11-30T11:35:22.12a4Z", "2026-02-30T00:00:00Z",
    ])
    func invalidTimestampFailsWithAClearError(text: String) throws {
        let error = #expect(throws: DecodingError.self) {
            try decode(Export.self, #"{"uid": "ex-bad", "created_at": "\#(text)"}"#)
        }
        guard case .dataCorrupted(let context)? = error else {
            Issue.record("expected dataCorrupted, got \(String(describing: error))")
            return
        }
        #expect(context.codingPath.last?.stringValue == "created_at")
        #expect(context.debugDescription.contains("ISO-8601"))
        #expect(context.debugDescription.contains("'\(text)'"))
    }

    @Test func timestampThatIsNotAStringFails() {
        #expect(throws: DecodingError.self) {
            try decode(Export.self, #"{"uid": "ex-num", "created_at": 1767225600}"#)
        }
    }

    // MARK: - Tolerance

    @Test func unknownFieldsAreIgnored() throws {
        let dataset = try decode(
            Dataset.self,
            """
            {"uid": "ds-x", "name": "n", "slug": "s", "project_count": 2, "size_bytes": 1048576,
             "annotations_count": 9, "brand_new_field": {"nested": [1, "two", null]}, "visibility": "unlisted"}
            """
        )
        #expect(dataset.uid == "ds-x")
        #expect(dataset.visibility == "unlisted")

        let member = try decode(
            OrganizationMember.self,
            #"{"user_uid": "u-1", "picture": "https://x/p.png", "is_staff": true}"#
        )
        #expect(member.userUID == "u-1")
    }

    @Test func missingRequiredUIDFails() throws {
        let error = #expect(throws: DecodingError.self) {
            try decode(Dataset.self, #"{"name": "n", "slug": "s", "item_count": 1}"#)
        }
        guard case .keyNotFound(let key, _)? = error else {
            Issue.record("expected keyNotFound, got \(String(describing: error))")
            return
        }
        #expect(key.stringValue == "uid")

        #expect(throws: DecodingError.self) { try decode(Export.self, #"{"status": "exported"}"#) }
        #expect(throws: DecodingError.self) { try decode(Invitation.self, #"{"invited_email": "a@b.c"}"#) }
        #expect(throws: DecodingError.self) { try decode(DatasetItem.self, #"{"data_url": "https://x"}"#) }
        #expect(throws: DecodingError.self) {
            try decode(WebhookDelivery.self, #"{"event_type": "task.completed", "status": "pending"}"#)
        }
    }

    @Test func nullRequiredUIDFails() {
        #expect(throws: DecodingError.self) {
            try decode(Dataset.self, #"{"uid": null, "name": "n", "slug": "s"}"#)
        }
    }

    // MARK: - Encoding

    @Test func encodingWritesSnakeCaseKeys() throws {
        let dataset = Dataset(
            uid: "ds-1",
            name: "n",
            slug: "s",
            itemCount: 3,
            ownerName: "acme",
            dataType: .video,
            isSequence: true
        )
        let json = try encodeToJSON(dataset)
        #expect(json["owner_name"] == .string("acme"))
        #expect(json["item_count"]?.intValue == 3)
        #expect(json["data_type"] == .string("video"))
        #expect(json["is_sequence"] == .bool(true))
        #expect(json["ownerName"] == nil)
        #expect(json["itemCount"] == nil)

        let export = Export(uid: "ex-1", status: .exported, downloadURL: "https://files.avala.ai/ex-1.zip")
        let exportJSON = try encodeToJSON(export)
        #expect(exportJSON["download_url"] == .string("https://files.avala.ai/ex-1.zip"))
        #expect(exportJSON["status"] == .string("exported"))
        #expect(exportJSON["downloadURL"] == nil)
    }

    @Test func encodingWritesTimestampsWithMicrosecondsAndZ() throws {
        let export = Export(uid: "ex-1", createdAt: try utc(2026, 1, 1))
        let json = try encodeToJSON(export)
        #expect(json["created_at"] == .string("2026-01-01T00:00:00.000000Z"))
        #expect(AvalaJSON.formatTimestamp(try utc(2026, 1, 1)) == "2026-01-01T00:00:00.000000Z")
    }

    @Test(arguments: [
        "2026-11-30T11:35:22.123456Z", "2026-11-30T11:35:22.000001Z", "2026-11-30T11:35:22.999999Z",
        // Around the turn of the year, where a week-based year would print the wrong year.
        "2024-12-30T23:59:59.500000Z", "2021-01-01T00:00:00.000000Z", "1999-12-31T12:00:00.250000Z",
    ])
    func timestampsRoundTripThroughTheWireFormat(text: String) throws {
        let export = try decode(Export.self, #"{"uid": "ex-r", "created_at": "\#(text)"}"#)
        let json = try encodeToJSON(export)
        #expect(json["created_at"] == .string(text))
    }

    @Test func offsetTimestampsAreReencodedInUTC() throws {
        let export = try decode(Export.self, #"{"uid": "ex-o", "created_at": "2026-01-01T02:00:00+02:00"}"#)
        #expect(try encodeToJSON(export)["created_at"] == .string("2026-01-01T00:00:00.000000Z"))
    }

    // MARK: - Secrets

    @Test func webhookSecretNeverPrintsButIsEncoded() throws {
        let secret = "whsec_TopSecret123"
        let webhook = try decode(
            Webhook.self,
            """
            {"uid": "wh-1", "target_url": "https://bot.example.com/webhooks", "events": ["export.completed"],
             "is_active": true, "secret": "\(secret)", "created_at": "2026-01-01T00:00:00Z"}
            """
        )
        #expect(webhook.secret?.revealed == secret)

        let described = "\(webhook)"
        #expect(!described.contains(secret))
        #expect(described.contains("<redacted>"))

        let reflected = String(reflecting: webhook)
        #expect(!reflected.contains(secret))
        #expect(reflected.contains("<redacted>"))

        var dumped = ""
        dump(webhook, to: &dumped)
        #expect(!dumped.contains(secret))

        // Only the wire form carries the secret: the simulator returns it once, on create.
        let json = try encodeToJSON(webhook)
        #expect(json["secret"] == .string(secret))
        #expect(json["target_url"] == .string("https://bot.example.com/webhooks"))
    }

    @Test func webhookWithoutSecretDecodesAsTheListEndpointReturnsIt() throws {
        let webhook = try decode(
            Webhook.self,
            #"{"uid": "wh-2", "target_url": "https://bot.example.com/webhooks", "events": []}"#
        )
        #expect(webhook.secret == nil)
        // The SDK's default for is_active.
        #expect(webhook.isActive)
    }
}
