import Testing

@testable import AvalaAPI

/// `AvalaError.fromResponse` decides which failures are retried and what reaches logs and chat, so the
/// status mapping follows the SDK's exception classes and every text the server echoes is redacted.
@Suite struct ErrorMappingTests {
    private static let apiKey = "avk_live_Zx9SecretKey42"

    private func map(
        _ status: Int,
        _ body: String = "",
        retryAfter: String? = nil,
        secrets: [String] = [apiKey]
    ) -> AvalaError {
        AvalaError.fromResponse(
            status: status,
            retryAfterHeader: retryAfter,
            body: Array(body.utf8),
            request: "GET /exports/ex-1/",
            redacting: secrets
        )
    }

    @Test(arguments: [
        (401, #"{"detail": "Invalid API key."}"#, AvalaError.Code.authentication),
        (403, #"{"detail": "You do not have permission to perform this action."}"#, .forbidden),
        (404, #"{"detail": "Not found."}"#, .notFound),
        (429, #"{"detail": "Request was throttled. Expected available in 30 seconds."}"#, .rateLimited),
        (400, #"{"detail": {"name": ["This field is required."]}}"#, .validation),
        (422, #"{"format": ["Unsupported format."]}"#, .validation),
        (413, #"{"detail": "Quota exceeded.", "limit": 100, "used": 100}"#, .quotaExceeded),
        (413, #"{"detail": "Request entity too large."}"#, .http),
        // The SDK requires integers; string counts are a plain 413.
        (413, #"{"detail": "Quota exceeded.", "limit": "100", "used": "100"}"#, .http),
        (500, #"{"detail": "Internal server error."}"#, .server),
        (502, "<html><body>Bad gateway</body></html>", .server),
        (503, "", .server),
        (405, #"{"detail": "Method \"PUT\" not allowed."}"#, .http),
        (409, #"{"detail": "A webhook with this target already exists."}"#, .http),
        (301, "", .redirect),
        (302, #"{"detail": "moved"}"#, .redirect),
    ])
    func statusMapsToCode(status: Int, body: String, code: AvalaError.Code) {
        let error = map(status, body)
        #expect(error.code == code)
        #expect(error.status == status)
        #expect(error.request == "GET /exports/ex-1/")
    }

    @Test func quotaCarriesLimitAndUsed() throws {
        let error = map(413, #"{"detail": "Dataset quota exceeded.", "limit": 5, "used": 6}"#)
        let quota = try #require(error.quota)
        #expect(quota.limit == 5)
        #expect(quota.used == 6)
        #expect(error.message == "Dataset quota exceeded.")
        #expect(map(413, #"{"detail": "too big"}"#).quota == nil)
    }

    @Test func redirectIsFinalAndNamesTheStatus() {
        let error = map(301, #"{"detail": "Moved Permanently"}"#)
        #expect(error.code == .redirect)
        #expect(error.message.contains("301"))
        #expect(!error.isTransient)
    }

    // MARK: - Message

    @Test(arguments: [
        (404, #"{"detail": "Not found."}"#, "Not found."),
        (
            403, #"{"detail": "Plan required.", "code": "plan_insufficient", "doc_url": "https://avala.ai/docs"}"#,
            "Plan required."
        ),
        (400, #"{"detail": {"name": ["This field is required."]}}"#, "HTTP 400"),
        (400, #"{"detail": ["first problem"]}"#, "HTTP 400"),
        (403, #"{"detail": null}"#, "HTTP 403"),
        (500, "", "HTTP 500"),
        (502, "<html>Bad gateway</html>", "HTTP 502"),
        (409, #""just a string""#, "HTTP 409"),
        (400, #"{"name": ["This field is required."]}"#, "HTTP 400"),
        (422, #"["Invalid export request."]"#, "HTTP 422"),
    ])
    func messageIsDetailOnlyWhenItIsAString(status: Int, body: String, message: String) {
        #expect(map(status, body).message == message)
    }

    // MARK: - Validation details

    @Test(arguments: [
        (#"{"detail": {"name": ["This field is required."]}}"#, ["name: This field is required."]),
        (
            #"{"name": ["This field is required."], "format": ["Unsupported.", "Use coco."]}"#,
            ["format: Unsupported.", "format: Use coco.", "name: This field is required."]
        ),
        (#"["Give a project or a dataset, not both."]"#, ["Give a project or a dataset, not both."]),
        (
            #"{"error": {"code": "validation_error", "message": "Invalid input", "details": {"email": ["Enter a valid email."]}}}"#,
            ["email: Enter a valid email."]
        ),
        (#"{"detail": {"datasets": [{"uid": ["Unknown dataset."]}]}}"#, ["datasets.uid: Unknown dataset."]),
        (#"{"limit": [1000], "strict": [true]}"#, ["limit: 1000", "strict: true"]),
    ])
    func validationDetailsAreFlattened(body: String, details: [String]) {
        let error = map(400, body)
        #expect(error.code == .validation)
        #expect(error.details == details)
    }

    @Test func wrappedErrorShapeCarriesItsMessage() {
        let error = map(
            422,
            #"{"error": {"code": "validation_error", "message": "Invalid input", "details": ["bad role"]}}"#
        )
        #expect(error.message == "Invalid input")
        #expect(error.details == ["bad role"])
    }

    @Test func detailsAppearInDescription() {
        let error = map(400, #"{"detail": {"name": ["This field is required."]}}"#)
        #expect(error.description.contains("name: This field is required."))
        #expect(error.description.contains("HTTP 400"))
        #expect(error.description.contains("GET /exports/ex-1/"))
    }

    // MARK: - Retry-After

    @Test(arguments: [("30", 30.0), (" 12 ", 12.0), ("1.5", 1.5), ("0", 0.0)])
    func retryAfterSecondsAreParsed(header: String, seconds: Double) {
        let error = map(429, #"{"detail": "Request was throttled."}"#, retryAfter: header)
        #expect(error.code == .rateLimited)
        #expect(error.retryAfter == seconds)
        #expect(error.isTransient)
    }

    @Test(arguments: [nil, "soon", "-5", "", "NaN", "inf"] as [String?])
    func unusableRetryAfterIsNil(header: String?) {
        #expect(map(429, "", retryAfter: header).retryAfter == nil)
    }

    @Test func retryAfterAsAnHTTPDate() throws {
        // Avala sends seconds; a date is read too. One in the past means "now", one far ahead is the
        // longest wait kept.
        #expect(map(429, "", retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT").retryAfter == 0)
        let future = try #require(map(429, "", retryAfter: "Fri, 01 Jan 2100 00:00:00 GMT").retryAfter)
        #expect(future == AvalaError.maxRetryAfterSeconds)
    }

    // MARK: - Redaction

    @Test func echoedKeyInDetailIsRedacted() {
        let error = map(401, #"{"detail": "API key \#(Self.apiKey) has expired."}"#)
        #expect(error.message == "API key <redacted> has expired.")
        #expect(!(error.body ?? "").contains(Self.apiKey))
        #expect(error.body?.contains("<redacted>") == true)
        #expect(!error.description.contains(Self.apiKey))
    }

    @Test func echoedKeyInValidationDetailsIsRedacted() {
        let error = map(400, #"{"api_key": ["'\#(Self.apiKey)' is not a valid key."], "note": "\#(Self.apiKey)"}"#)
        #expect(error.details == ["api_key: '<redacted>' is not a valid key.", "note: <redacted>"])
        #expect(!(error.body ?? "").contains(Self.apiKey))
        #expect(!error.description.contains(Self.apiKey))
    }

    @Test func echoedKeyInWrappedErrorIsRedacted() {
        let error = map(
            422,
            #"{"error": {"code": "bad_key", "message": "Key \#(Self.apiKey) refused", "details": {"key": ["\#(Self.apiKey)"]}}}"#
        )
        #expect(error.message == "Key <redacted> refused")
        #expect(error.details == ["key: <redacted>"])
        #expect(!(error.body ?? "").contains(Self.apiKey))
        #expect(!error.description.contains(Self.apiKey))
    }

    /// The HTTP layer prints a refused header value escaped (`"avk_…\n"`); that form, and any other
    /// escaping of what surrounds the key, is redacted as well as the raw key.
    @Test func aKeyIsRedactedAlsoWhenEscaped() {
        let key = Self.apiKey + "\n"
        let texts = [
            #"invalidHeaderFieldValues(["\#(Self.apiKey)\n"])"#,
            "raw: \(key) end",
            "percent-encoded: \(Self.apiKey)%0A",
        ]
        for text in texts {
            let redacted = AvalaError.redact(text, [key])
            #expect(!redacted.contains(Self.apiKey))
            #expect(redacted.contains("<redacted>"))
        }
    }

    @Test func echoedKeyInANonJSONBodyIsRedacted() {
        let error = map(502, "<html>upstream rejected X-Avala-Api-Key: \(Self.apiKey)</html>")
        #expect(error.body?.contains("X-Avala-Api-Key: <redacted>") == true)
        #expect(!error.description.contains(Self.apiKey))
    }

    @Test func everyOccurrenceIsRedacted() {
        let error = map(401, #"{"detail": "\#(Self.apiKey) / \#(Self.apiKey)"}"#)
        #expect(error.message == "<redacted> / <redacted>")
    }

    @Test func bodyPreviewIsBounded() throws {
        let long = String(repeating: "x", count: 10_000)
        let body = try #require(map(500, long).body)
        #expect(body.count <= 500)
        #expect(map(500, "").body == nil)
    }
}
