import AvalaAPI
import Testing

/// The API key travels in a header on every request, so the base URL rules (the SDK's `_config`) are what
/// keep it off plain-text links and away from other hosts.
@Suite struct BaseURLTests {
    private func refusal(_ text: String, allowInsecureHTTP: Bool = false) -> AvalaError? {
        #expect(throws: AvalaError.self) { try BaseURL(text, allowInsecureHTTP: allowInsecureHTTP) }
    }

    // MARK: - Accepted

    @Test(arguments: [
        "https://api.avala.ai/api/v1", "https://api.avala.ai/api/v1/", "https://api.avala.ai/api/v1///",
        "  https://api.avala.ai/api/v1/  ", "HTTPS://api.avala.ai/api/v1",
    ])
    func httpsIsAcceptedWithTrailingSlashesRemoved(text: String) throws {
        let base = try BaseURL(text)
        #expect(base.scheme == "https")
        #expect(base.host == "api.avala.ai")
        #expect(base.port == 443)
        // Endpoint paths start with `/`, so a trailing slash here would double it.
        #expect(base.path == "/api/v1")
        #expect(base.description == "https://api.avala.ai:443/api/v1")
    }

    @Test(arguments: [
        "https://api.avala.ai/api/v1\n", "https://api.avala.ai/api/v1/\r\n", "\thttps://api.avala.ai/api/v1 ",
    ])
    func surroundingLineBreaksNeverBecomePartOfThePath(text: String) {
        // Values read from .env files often end in a line break; an encoded `%0A` in the base path would
        // send every request to a path that does not exist. Refusing the value is as good as trimming it.
        if let base = try? BaseURL(text) {
            #expect(base.path == "/api/v1")
        }
    }

    @Test func httpsWithPortAndNoPath() throws {
        let base = try BaseURL("https://server.avala.ai:8443/")
        #expect(base.port == 8443)
        #expect(base.path == "")
        #expect(base.origin == "https://server.avala.ai:8443")
    }

    @Test func defaultIsTheSDKBase() {
        #expect(BaseURL.default.scheme == "https")
        #expect(BaseURL.default.host == "api.avala.ai")
        #expect(BaseURL.default.path == "/api/v1")
    }

    // MARK: - Plain http

    @Test(arguments: [
        "http://api.avala.ai/api/v1", "http://10.0.0.5:8080/api/v1", "http://127.0.0.2/api/v1",
        "http://localhost.evil.example/api/v1", "http://127.0.0.1.nip.io/api/v1", "http://0.0.0.0:8080",
        "http://[::ffff:127.0.0.1]:8080",
    ])
    func httpIsRefusedForNonLoopbackHostsEvenWithTheOptIn(text: String) throws {
        for allow in [false, true] {
            let error = try #require(refusal(text, allowInsecureHTTP: allow))
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains("https"))
        }
    }

    @Test(arguments: [
        ("http://localhost:8080/api/v1", "localhost"),
        ("http://LOCALHOST:8080/api/v1", "localhost"),
        ("http://127.0.0.1:8080/api/v1", "127.0.0.1"),
        ("http://[::1]:8080/api/v1", "::1"),
    ])
    func httpForLoopbackNeedsTheOptIn(text: String, host: String) throws {
        let error = try #require(refusal(text, allowInsecureHTTP: false))
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains("AVALA_ALLOW_INSECURE_BASE_URL"))

        let base = try BaseURL(text, allowInsecureHTTP: true)
        #expect(base.scheme == "http")
        #expect(base.host == host)
        #expect(base.port == 8080)
        #expect(base.path == "/api/v1")
    }

    @Test func ipv6LoopbackOriginIsBracketed() throws {
        let base = try BaseURL("http://[::1]:9000/api/v1/", allowInsecureHTTP: true)
        #expect(base.origin == "http://[::1]:9000")
        #expect(base.description == "http://[::1]:9000/api/v1")
    }

    @Test func httpLoopbackWithoutPortUsesPort80() throws {
        #expect(try BaseURL("http://127.0.0.1/api/v1", allowInsecureHTTP: true).port == 80)
    }

    // MARK: - Other refusals

    @Test(arguments: [
        "ftp://api.avala.ai/api/v1", "ws://localhost:8080/api/v1", "wss://api.avala.ai/api/v1",
        "file:///etc/passwd", "javascript:alert(1)",
    ])
    func otherSchemesAreRefused(text: String) throws {
        for allow in [false, true] {
            let error = try #require(refusal(text, allowInsecureHTTP: allow))
            #expect(error.code == .invalidConfiguration)
        }
    }

    @Test(arguments: ["api.avala.ai/api/v1", "//api.avala.ai/api/v1", "https:///api/v1", "https://", "", "   "])
    func missingSchemeOrHostIsRefused(text: String) throws {
        let error = try #require(refusal(text, allowInsecureHTTP: true))
        #expect(error.code == .invalidConfiguration)
    }

    @Test(arguments: [
        "https://user:hunter2@api.avala.ai/api/v1", "https://token@api.avala.ai/api/v1",
        "http://user:hunter2@127.0.0.1:8080/api/v1",
    ])
    func credentialsInTheURLAreRefused(text: String) throws {
        let error = try #require(refusal(text, allowInsecureHTTP: true))
        #expect(error.code == .invalidConfiguration)
        #expect(!error.message.contains("hunter2"))
        #expect(!error.description.contains("hunter2"))
    }

    @Test(arguments: [
        "https://api.avala.ai/api/v1?api_key=SECRETQ", "https://api.avala.ai/api/v1/?api_key=SECRETQ",
        "ftp://api.avala.ai/?token=SECRETQ", "http://api.avala.ai/api/v1?token=SECRETQ",
        "api.avala.ai/api/v1?token=SECRETQ", "https:///api/v1?token=SECRETQ",
        "https://api avala ai/api/v1?token=SECRETQ", "not a url?token=SECRETQ",
    ])
    func errorMessagesNeverContainTheQueryString(text: String) throws {
        for allow in [false, true] {
            let error = try #require(refusal(text, allowInsecureHTTP: allow))
            #expect(!error.message.contains("SECRETQ"))
            #expect(!error.description.contains("SECRETQ"))
        }
    }

    @Test(arguments: [
        // Stray characters in the password; a URL without a host or a scheme is quoted in its error.
        "https://bot:hunter2 x@api.avala.ai/api/v1", "https://bot:hunter2^@api.avala.ai/api/v1",
        "https://bot:hunter2@/api/v1", "bot:hunter2@api.avala.ai/api/v1",
    ])
    func errorMessagesNeverContainCredentials(text: String) throws {
        let error = try #require(refusal(text, allowInsecureHTTP: true))
        #expect(error.code == .invalidConfiguration)
        #expect(!error.message.contains("hunter2"))
        #expect(!error.description.contains("hunter2"))
    }

    @Test(arguments: ["https://api.avala.ai/api/v1#frag", "https://api.avala.ai/api/v1?"])
    func queryOrFragmentIsRefused(text: String) throws {
        let error = try #require(refusal(text))
        #expect(error.code == .invalidConfiguration)
    }

    // MARK: - Environment

    @Test(arguments: ["1", "true", "yes", "on", "TRUE", "Yes", " on "])
    func insecureOptInIsRecognised(value: String) {
        #expect(BaseURL.insecureAllowed(environment: ["AVALA_ALLOW_INSECURE_BASE_URL": value]))
    }

    @Test(arguments: ["0", "no", "", "false", "off", "2", "y", "enabled"])
    func insecureOptInIsNotRecognised(value: String) {
        #expect(!BaseURL.insecureAllowed(environment: ["AVALA_ALLOW_INSECURE_BASE_URL": value]))
    }

    @Test func insecureOptInAbsentIsOff() {
        #expect(!BaseURL.insecureAllowed(environment: [:]))
        #expect(!BaseURL.insecureAllowed(environment: ["AVALA_ALLOW_INSECURE": "1"]))
    }

    @Test func configurationFromEnvironmentWithKey() throws {
        let configuration = try AvalaClientConfiguration.fromEnvironment(["AVALA_API_KEY": "avk_test_123"])
        #expect(configuration.apiKey.revealed == "avk_test_123")
        #expect(configuration.baseURL == BaseURL.default)
        // The key must not show up in a dump of the configuration.
        #expect(!String(describing: configuration).contains("avk_test_123"))
    }

    @Test func configurationFromEnvironmentWithBaseURL() throws {
        let configuration = try AvalaClientConfiguration.fromEnvironment([
            "AVALA_API_KEY": "avk_test_123", "AVALA_BASE_URL": "https://server.avala.ai/api/v1/",
        ])
        #expect(configuration.baseURL.host == "server.avala.ai")
        #expect(configuration.baseURL.path == "/api/v1")
    }

    @Test func configurationFromEnvironmentForTheLocalSimulator() throws {
        let environment = [
            "AVALA_API_KEY": "avk_test_123", "AVALA_BASE_URL": "http://127.0.0.1:8080/api/v1",
            "AVALA_ALLOW_INSECURE_BASE_URL": "1",
        ]
        let configuration = try AvalaClientConfiguration.fromEnvironment(environment)
        #expect(configuration.baseURL.scheme == "http")
        #expect(configuration.baseURL.port == 8080)

        var withoutOptIn = environment
        withoutOptIn["AVALA_ALLOW_INSECURE_BASE_URL"] = nil
        let error = #expect(throws: AvalaError.self) { try AvalaClientConfiguration.fromEnvironment(withoutOptIn) }
        #expect(error?.code == .invalidConfiguration)
    }

    @Test(arguments: [[:], ["AVALA_API_KEY": ""], ["AVALA_BASE_URL": "https://api.avala.ai/api/v1"]])
    func configurationFromEnvironmentWithoutKeyFails(environment: [String: String]) {
        let error = #expect(throws: AvalaError.self) { try AvalaClientConfiguration.fromEnvironment(environment) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("AVALA_API_KEY") == true)
    }
}
