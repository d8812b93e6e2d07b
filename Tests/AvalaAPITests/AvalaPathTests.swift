import Testing

@testable import AvalaAPI

/// Slugs and uids come from webhook payloads and config: whatever they contain, they must stay one path
/// segment and never change which endpoint the API key is sent to.
@Suite struct AvalaPathTests {
    @Test(arguments: [
        ("a/b", "a%2Fb"),
        ("my dataset", "my%20dataset"),
        ("what?", "what%3F"),
        ("a#b", "a%23b"),
        ("café", "caf%C3%A9"),
        ("日本", "%E6%97%A5%E6%9C%AC"),
        ("100%", "100%25"),
        // Already-encoded input is encoded again, so the server cannot decode it into `..` or `/`.
        ("%2e%2e", "%252e%252e"),
        ("..%2F", "..%252F"),
        ("a&b=c", "a%26b%3Dc"),
        ("back\\slash", "back%5Cslash"),
        ("line\r\nbreak", "line%0D%0Abreak"),
        ("plus+sign", "plus%2Bsign"),
        ("https://evil.example", "https%3A%2F%2Fevil.example"),
    ])
    func segmentIsPercentEncoded(segment: String, encoded: String) throws {
        let path = try AvalaPath("datasets", segment, "items")
        #expect(path.encoded == "/datasets/\(encoded)/items/")
    }

    @Test(arguments: ["abc-DEF_123.~", "0b1d7c2e-3a4f-4e5d-9c8b-7a6f5e4d3c2b", "...", ".hidden", "a..b"])
    func unreservedCharactersAreKept(segment: String) throws {
        #expect(try AvalaPath(segment).encoded == "/\(segment)/")
    }

    @Test(arguments: [".", "..", ""])
    func dotAndEmptySegmentsAreRefused(segment: String) {
        let error = #expect(throws: AvalaError.self) { try AvalaPath("datasets", segment, "items") }
        #expect(error?.code == .invalidRequest)
    }

    @Test func refusalAppliesToEverySegmentPosition() {
        #expect(throws: AvalaError.self) { try AvalaPath("..") }
        #expect(throws: AvalaError.self) { try AvalaPath("datasets", "..") }
        #expect(throws: AvalaError.self) { try AvalaPath(segments: ["datasets", "acme", "", "items"]) }
    }

    @Test(arguments: [
        ["exports"], ["datasets", "acme", "street scenes", "items"], ["organizations", "a/b", "members", "u?1"],
        [],
    ])
    func resultStartsAndEndsWithSlash(segments: [String]) throws {
        let path = try AvalaPath(segments: segments)
        #expect(path.encoded.hasPrefix("/"))
        #expect(path.encoded.hasSuffix("/"))
        // Every segment stays one segment: nothing a segment contains may add a `/`.
        #expect(path.encoded.split(separator: "/").count == segments.count)
        #expect(!path.encoded.contains("//"))
        #expect(path.description == path.encoded)
    }

    @Test func variadicAndArrayFormsAgree() throws {
        #expect(try AvalaPath("exports", "ex 1") == AvalaPath(segments: ["exports", "ex 1"]))
        #expect(try AvalaPath("exports", "ex 1").encoded == "/exports/ex%201/")
    }

    // MARK: - Already-encoded paths (`next` links), checked by the SDK's `_validate_path` rules

    @Test(arguments: ["/exports/", "/datasets/acme/a%2Fb/items/", "/organizations/acme/members/"])
    func validEncodedPathIsKept(path: String) throws {
        #expect(try AvalaPath(validating: path).encoded == path)
    }

    @Test(arguments: [
        "exports/", "//evil.example/exports/", "/exports//x/", "/exports/\r\nX-Injected: 1/",
        "/exports/\n", "/redirect/https://evil.example/", "/a/../admin/", "/a/./b/", "/a/..",
        "/a/%2e%2e/admin/", "/a/%2E%2E/admin/",
    ])
    func unsafeEncodedPathIsRefused(path: String) {
        let error = #expect(throws: AvalaError.self) { try AvalaPath(validating: path) }
        #expect(error?.code == .invalidRequest)
    }
}
