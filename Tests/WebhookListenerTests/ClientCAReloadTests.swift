import AsyncHTTPClient
import Foundation
import InMemoryLogging
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import WebhookListener

/// The mTLS client CA bundle (`listener.tls.client_ca`) read again while the listener serves, with
/// real handshakes: a new connection is verified against the bundle now in force, connections already
/// open and the listening socket stay, and a bundle that cannot be used leaves the old one in force.
@Suite(.serialized) struct ClientCAReloadTests {
    /// The listener's certificate, two CAs that each signed a client certificate, and the bundle file
    /// the listener reads (`client-ca.pem`), which holds one CA or the other.
    struct Authorities {
        let certificates: TestCertificates
        let one: TestCertificates.ClientAuthority
        let two: TestCertificates.ClientAuthority
        var bundlePath: String { certificates.directory.appendingPathComponent("client-ca.pem").path }

        static func make() async throws -> Authorities {
            let certificates = try await TestCertificates.make()
            return Authorities(
                certificates: certificates,
                one: try await certificates.makeClientAuthority("one"),
                two: try await certificates.makeClientAuthority("two")
            )
        }

        func writeBundle(_ text: String) throws {
            try text.write(toFile: bundlePath, atomically: true, encoding: .utf8)
        }

        func bundle(of authority: TestCertificates.ClientAuthority) throws -> String {
            try String(contentsOfFile: authority.caPath, encoding: .utf8)
        }

        func configuration(http2: Bool = true) -> WebhookListenerConfiguration {
            var configuration = TLSTests.configuration(certificates, clientCA: bundlePath)
            configuration.http2 = http2
            return configuration
        }
    }

    /// `GET /healthz` from a new client (so over a new connection, with a handshake of its own) that
    /// presents the client certificate `authority` signed, or none.
    static func healthOfNewClient(
        _ authorities: Authorities,
        presenting authority: TestCertificates.ClientAuthority?,
        url: String
    )
        async throws -> HTTPResponseStatus
    {
        try await TLSTests.withClient(try TLSTests.client(authorities.certificates, presenting: authority)) { client in
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(20))
            _ = try await response.body.collect(upTo: 1 << 16)
            return response.status
        }
    }

    /// CA-2's client is refused until the bundle holds CA-2 and is reloaded, and accepted from the next
    /// handshake on; CA-1's new connections are refused from then on, while the connection CA-1's client
    /// opened before the reload is still served. Over HTTP/2 and HTTP/1.1, whose channels are built apart.
    @Test(arguments: [true, false])
    func aRewrittenBundleVerifiesTheNextHandshakes(http2: Bool) async throws {
        let authorities = try await Authorities.make()
        defer { authorities.certificates.remove() }
        try authorities.writeBundle(try authorities.bundle(of: authorities.one))
        let signedByOne = try TLSTests.client(authorities.certificates, presenting: authorities.one)
        try await TLSTests.withClient(signedByOne) { signedByOne in
            try await ListenerHarness.with(authorities.configuration(http2: http2), client: signedByOne) { harness async throws in
                let url = harness.baseURL + "/healthz"
                let port = try await harness.listener.waitUntilListening()
                // CA-1's client opens a connection that its HTTP client keeps for the requests to come.
                let opened = try await signedByOne.execute(HTTPClientRequest(url: url), timeout: .seconds(20))
                _ = try await opened.body.collect(upTo: 1 << 16)
                #expect(opened.status == .ok)
                #expect(opened.version == (http2 ? .http2 : .http1_1))
                await #expect(throws: (any Error).self, "CA-2 is not in the bundle yet") {
                    _ = try await Self.healthOfNewClient(authorities, presenting: authorities.two, url: url)
                }

                try authorities.writeBundle(try authorities.bundle(of: authorities.two))
                #expect(try harness.listener.reloadClientCA())
                #expect(harness.logs.entries.contains { "\($0.message)" == "Listener client CA bundle reloaded" })

                #expect(try await Self.healthOfNewClient(authorities, presenting: authorities.two, url: url) == .ok)
                await #expect(throws: (any Error).self, "CA-1 is out of the bundle") {
                    _ = try await Self.healthOfNewClient(authorities, presenting: authorities.one, url: url)
                }
                await #expect(throws: (any Error).self, "a client certificate is still required") {
                    _ = try await Self.healthOfNewClient(authorities, presenting: nil, url: url)
                }
                // The connection opened before the reload is served still: a new one of this client would
                // be refused, as just seen.
                let again = try await signedByOne.execute(HTTPClientRequest(url: url), timeout: .seconds(20))
                _ = try await again.body.collect(upTo: 1 << 16)
                #expect(again.status == .ok)
                // The same listener, on the same port: nothing was rebound.
                #expect(try await harness.listener.waitUntilListening() == port)
            }
        }
    }

    /// How a bundle can be broken when the reload reads it.
    enum BrokenBundle: String, CaseIterable, Sendable {
        case notPEM
        case empty
        /// CA-1 whole, then CA-2 cut short, as a copy caught halfway would be.
        case cutShort
        case missing
        /// A certificate whose validity ended: every client chained to it would be refused.
        case expired
    }

    /// A bundle that cannot be used is refused with an error naming the file, and the old one stays in
    /// force: CA-1's clients are still accepted, CA-2's and those without a certificate still refused.
    @Test(arguments: BrokenBundle.allCases)
    func aBundleThatCannotBeUsedLeavesTheOldOneInForce(_ broken: BrokenBundle) async throws {
        let authorities = try await Authorities.make()
        defer { authorities.certificates.remove() }
        try authorities.writeBundle(try authorities.bundle(of: authorities.one))
        try await ListenerHarness.with(authorities.configuration()) { harness async throws in
            let url = harness.baseURL + "/healthz"
            #expect(try await Self.healthOfNewClient(authorities, presenting: authorities.one, url: url) == .ok)

            switch broken {
            case .notPEM: try authorities.writeBundle("not a certificate\n")
            case .empty: try authorities.writeBundle("")
            case .cutShort:
                let two = try authorities.bundle(of: authorities.two)
                try authorities.writeBundle(try authorities.bundle(of: authorities.one) + two.prefix(two.count / 2))
            case .missing: try FileManager.default.removeItem(atPath: authorities.bundlePath)
            case .expired:
                let expired = authorities.certificates.directory.appendingPathComponent("expired-ca.pem").path
                try await authorities.certificates.makeExpiredCertificate(at: expired)
                try authorities.writeBundle(try String(contentsOfFile: expired, encoding: .utf8))
            }
            let error = #expect(throws: WebhookListenerError.self) { try harness.listener.reloadClientCA() }
            #expect(error?.message.contains("listener.tls.client_ca: '\(authorities.bundlePath)'") == true, "\(String(describing: error))")

            #expect(try await Self.healthOfNewClient(authorities, presenting: authorities.one, url: url) == .ok)
            await #expect(throws: (any Error).self, "CA-2 was never in force") {
                _ = try await Self.healthOfNewClient(authorities, presenting: authorities.two, url: url)
            }
            await #expect(throws: (any Error).self, "a client certificate is still required") {
                _ = try await Self.healthOfNewClient(authorities, presenting: nil, url: url)
            }

            // Once the file is good again, the next reload takes it.
            try authorities.writeBundle(try authorities.bundle(of: authorities.two))
            #expect(try harness.listener.reloadClientCA())
            #expect(try await Self.healthOfNewClient(authorities, presenting: authorities.two, url: url) == .ok)
        }
    }

    /// Without `client_ca` there is nothing to reload, and nothing changes.
    @Test func withoutMutualTLSThereIsNoBundleToReload() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await TLSTests.withClient(try TLSTests.client(certificates)) { client in
            try await ListenerHarness.with(TLSTests.configuration(certificates), client: client) { harness async throws in
                #expect(try harness.listener.reloadClientCA() == false)
                #expect(try await harness.get("/healthz").status == 200)
            }
        }
    }
}
