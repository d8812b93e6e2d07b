public import BotEngine
import BotKit
public import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdTLS
public import Logging
import Metrics
import NIOCore
import NIOSSL
public import ServiceLifecycle

/// The webhook listener: a `Service` that serves the configured paths over TLS (or plain HTTP when the
/// configuration says so), verifies every delivery, stores it, and only then answers 202. Over TLS, clients
/// get HTTP/2 or HTTP/1.1 by ALPN unless `http2` is off; plain HTTP is HTTP/1.1 only.
///
/// Routes: each ``WebhookPath`` (POST; other methods get 405 with `Allow: POST`), `GET /healthz` (the process is up) and `GET /readyz` (the store
/// answers, no write failed in the last 30 s, a write of its own works, and the Avala API was reached
/// recently when ``WebhookListenerConfiguration/apiProblem`` is set; `?exclude=api` leaves that out).
///
/// ```swift
/// let listener = try WebhookListener(configuration: configuration, store: store, wake: wake, logger: logger)
/// let group = ServiceGroup(services: [listener, dispatcher], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// // tests: port 0, then
/// let port = try await listener.waitUntilListening()
/// ```
public final class WebhookListener: Service, Sendable {
    /// The `# HELP` text of the metrics the listener records (swift-metrics carries none; `/metrics` adds it).
    public static let metricsHelp = [
        "avala_bot_webhook_deliveries_total":
            "Webhook deliveries answered, by listener source and outcome (accepted, duplicate, rejected_<status>, error).",
        "avala_bot_webhook_verification_failures_total": "Webhook deliveries refused with 401, by listener source and reason.",
        "avala_bot_webhook_ingest_seconds": "Time to verify and store a webhook delivery before answering it, by listener source.",
        TLSHandshakeFailureLog.metric: "TLS handshakes the listener saw fail, by reason (the TLS library's reason code).",
        CertificateExpiryNotice.metric: "When the listener's served certificate expires (its notAfter), in seconds since the epoch, by file.",
    ]

    public let configuration: WebhookListenerConfiguration
    private let shared: ListenerShared
    private let endpoints: [WebhookEndpoint]
    private let tls: ListenerTLS?
    private let bound = BoundPort()

    /// Validates everything that can be checked before binding: verification secrets, CIDRs, TLS files.
    ///
    /// - Parameters:
    ///   - store: where deliveries are ingested.
    ///   - wake: woken after each new event, so the dispatcher does not wait for its timer.
    ///   - now: the clock for timestamp tolerance and event times (tests fix it).
    /// - Throws: ``WebhookListenerError``.
    public init(
        configuration: WebhookListenerConfiguration,
        store: any EventStore,
        wake: WakeSignal? = nil,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws(WebhookListenerError) {
        try configuration.validate()
        self.configuration = configuration
        self.tls = try configuration.tls.map { tls throws(WebhookListenerError) in try ListenerTLS(tls) }
        let shared = ListenerShared(
            configuration: configuration,
            store: store,
            wake: wake,
            addresses: try ClientAddressResolver(allowCIDRs: configuration.allowCIDRs, trustedProxies: configuration.trustedProxies),
            limiter: TokenBucketLimiter(configuration.perIP),
            bursts: RejectionBurstTracker(configuration.rejectedBurst),
            health: StoreHealth(),
            now: now,
            logger: logger
        )
        self.shared = shared
        self.endpoints = try configuration.paths.map { path throws(WebhookListenerError) in
            WebhookEndpoint(path: path, verifier: VerifierSlot(try path.verifier()), shared: shared)
        }
    }

    /// Serves until cancelled or until graceful shutdown.
    public func run() async throws {
        // HEAD on the probes too: some load balancers probe with it.
        let router = Router(context: ListenerRequestContext.self, options: .autoGenerateHeadEndpoints)
        for endpoint in endpoints {
            // Made once per path, not per request: a metric looked up by label and dimensions for every
            // delivery cost as much as verifying its signature.
            let source = endpoint.path.source
            let accepted = Counter(label: "avala_bot_webhook_deliveries_total", dimensions: [("source", source), ("outcome", "accepted")])
            let duplicate = Counter(label: "avala_bot_webhook_deliveries_total", dimensions: [("source", source), ("outcome", "duplicate")])
            let ingestTime = Timer(label: "avala_bot_webhook_ingest_seconds", dimensions: [("source", source)])
            router.post(RouterPath(endpoint.path.path)) { request, context in
                let started = ContinuousClock.now
                do {
                    let response = try await endpoint.handle(request, context: context)
                    (response.status == .accepted ? accepted : duplicate).increment()
                    let elapsed = started.duration(to: .now).components
                    ingestTime.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
                    return response
                } catch let rejection as WebhookRejection {
                    let outcome = "rejected_\(rejection.status.code)"
                    Counter(label: "avala_bot_webhook_deliveries_total", dimensions: [("source", source), ("outcome", outcome)])
                        .increment()
                    if rejection.status == .unauthorized {
                        Counter(
                            label: "avala_bot_webhook_verification_failures_total",
                            dimensions: [("source", source), ("reason", rejection.reason)]
                        ).increment()
                    }
                    throw rejection
                } catch {
                    Counter(label: "avala_bot_webhook_deliveries_total", dimensions: [("source", source), ("outcome", "error")])
                        .increment()
                    throw error
                }
            }
            // A webhook path exists: a GET from a browser or a probe pointed at it must say which method it
            // takes (RFC 9110 §15.5.6), not 404, which reads as a wrong path. It tells nothing else.
            for method in [HTTPRequest.Method.get, .head, .put, .patch, .delete] {
                router.on(RouterPath(endpoint.path.path), method: method) { _, _ in
                    var response = ListenerJSON.response(.methodNotAllowed, ["error": "only POST is accepted here"])
                    response.headers[.allow] = "POST"
                    return response
                }
            }
        }
        let shared = self.shared
        // `allow_cidrs` guards what shows data: the webhook paths (in their endpoint), `/metrics` and
        // `/status`. The probes stay open: they tell nothing, and a kubelet or load balancer probing from
        // its own address must not see a healthy bot as down.
        let onlyAllowedClients: @Sendable (Request, ListenerRequestContext) throws -> Void = { request, context in
            guard shared.addresses.isAllowed(shared.client(of: request, context: context)) else {
                throw WebhookRejection(.forbidden, "client not allowed")
            }
        }
        router.get("/healthz") { _, _ in ListenerJSON.response(.ok, ["status": "ok"]) }
        if let metrics = configuration.metrics {
            router.get("/metrics") { request, context in
                try onlyAllowedClients(request, context)
                let text = await metrics()
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/plain; version=0.0.4"],
                    body: .init(byteBuffer: ByteBuffer(string: text))
                )
            }
        }
        if let status = configuration.status {
            router.get("/status") { request, context in
                try onlyAllowedClients(request, context)
                let html = await status()
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                        // The page shows event data: no scripts, no framing, nothing loaded from elsewhere.
                        .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
                    ],
                    body: .init(byteBuffer: ByteBuffer(string: html))
                )
            }
        }
        let apiProblem = configuration.apiProblem
        router.get("/readyz") { request, _ in
            // `?exclude=api`, as Kubernetes' own /readyz takes it: a readiness probe that takes the bot
            // out of a Service must not do so for an API outage, while webhooks can still be stored.
            var checksAPI = true
            for excluded in request.uri.queryParameters.getAll("exclude").flatMap({ $0.split(separator: ",") }) {
                guard excluded == "api" else {
                    return ListenerJSON.response(.badRequest, ["status": "only api can be excluded"])
                }
                checksAPI = false
            }
            do {
                _ = try await shared.store.queueDepth()
            } catch {
                return ListenerJSON.response(.serviceUnavailable, ["status": "store unavailable"])
            }
            if shared.health.isFailing() {
                return ListenerJSON.response(.serviceUnavailable, ["status": "store cannot write"])
            }
            // A real write: a full disk or a read-only file shows here even when no delivery comes.
            guard await shared.health.probe(shared.store, now: shared.now()) else {
                return ListenerJSON.response(.serviceUnavailable, ["status": "store cannot write"])
            }
            // Only the verdict: the probes are open to anyone, and the reason (a request path, an
            // error) is in the log already.
            if checksAPI, let verdict = apiProblem?() {
                return ListenerJSON.response(.serviceUnavailable, ["status": .string(verdict)])
            }
            return ListenerJSON.response(.ok, ["status": "ready"])
        }

        let server = try Self.serverBuilder(configuration, tls: tls)
        let bound = self.bound
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: configuration.serverName),
            onServerRunning: { channel in bound.resolve(.success(channel.localAddress?.port ?? 0)) },
            logger: shared.logger
        )
        var starting: Logger.Metadata = [
            "listener.host": "\(configuration.host)", "listener.port": "\(configuration.port)",
            "listener.tls": "\(tls != nil)", "listener.http2": "\(tls != nil && configuration.http2)",
            "listener.paths": "\(configuration.paths.map(\.path).joined(separator: ","))",
        ]
        // When it expires, as a reload says it: the day to renew it by is in the log from the start.
        if let leaf = tls?.certificate.pair.chain.first { starting["tls.certificate"] = "\(ReloadableCertificate.summary(leaf))" }
        shared.logger.info("Webhook listener starting", metadata: starting)
        let expiry = tls.map { CertificateExpiryNotice(certificate: $0.certificate, logger: shared.logger) }
        expiry?.check()
        let checkInterval = configuration.certificateCheckInterval
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Once a day while serving: a certificate valid for weeks at start runs out without a restart.
                if let expiry { group.addTask { await expiry.repeatEvery(checkInterval) } }
                try await app.run()
                group.cancelAll()
            }
        } catch {
            // Failing before it listened, a socket error is the bind's.
            let failure =
                bound.current == nil
                ? WebhookListenerError.bindFailure(error, setting: "listener.bind", host: configuration.host, port: configuration.port) ?? error
                : error
            bound.resolve(.failure(failure))
            throw failure
        }
        bound.resolve(.failure(CancellationError()))
    }

    /// Reads `listener.tls.cert` and `.key` again (SIGHUP); new connections get the new pair, open ones
    /// keep theirs, and the socket stays bound. On an error the old pair stays in use. The log says
    /// "reloaded" only for a certificate that changed (debug "unchanged" otherwise), and warns again when
    /// the one served expires within two weeks.
    ///
    /// - Returns: false when the listener serves plain HTTP (nothing to reload).
    @discardableResult
    public func reloadCertificates() throws(WebhookListenerError) -> Bool {
        guard let tls else { return false }
        let reloaded = try tls.certificate.reload()
        let metadata: Logger.Metadata = ["tls.certificate": "\(reloaded.summary)"]
        if reloaded.changed {
            shared.logger.notice("Listener certificate reloaded", metadata: metadata)
        } else {
            // Every SIGHUP reads the files; most find the certificate as it was, which is no news.
            shared.logger.debug("Listener certificate unchanged", metadata: metadata)
        }
        CertificateExpiryNotice(certificate: tls.certificate, logger: shared.logger).check()
        return true
    }

    /// Reads the client CA bundle (`listener.tls.client_ca`) again (SIGHUP), from the path the listener
    /// started with: the connections accepted from then on must present a client certificate that chains
    /// to the new bundle; open ones stay, and the socket stays bound. On an error the old bundle stays in
    /// force, so the listener never serves without verifying its clients.
    ///
    /// - Returns: false when mTLS is off (nothing to reload).
    /// - Throws: ``WebhookListenerError`` naming the file that cannot be used.
    @discardableResult
    public func reloadClientCA() throws(WebhookListenerError) -> Bool {
        guard let tls, let count = try tls.reloadClientCA() else { return false }
        shared.logger.notice(
            "Listener client CA bundle reloaded",
            metadata: ["tls.client_ca": "\(tls.settings.clientCAPath ?? "")", "tls.client_ca.certificates": "\(count)"]
        )
        return true
    }

    /// Replaces the paths' verification (scheme, secrets, tolerance) while serving, for a secret
    /// rotation without a restart. The next request of each path verifies with its new secrets.
    ///
    /// - Parameter paths: the same paths as configured, in the same order; only their `verification`
    ///   may differ. Everything is checked before anything is replaced.
    /// - Throws: ``WebhookListenerError`` when the paths differ or a verification is invalid; then
    ///   every path keeps what it had.
    public func reloadVerification(_ paths: [WebhookPath]) throws(WebhookListenerError) {
        guard paths.map(\.path) == endpoints.map(\.path.path) else {
            throw WebhookListenerError(.invalidConfiguration, "the listener's paths changed: that needs a restart")
        }
        let verifiers = try paths.map { path throws(WebhookListenerError) in try path.verifier() }
        for (endpoint, verifier) in zip(endpoints, verifiers) { endpoint.verifier.replace(with: verifier) }
        shared.logger.notice("Webhook verification reloaded", metadata: ["listener.paths": "\(paths.count)"])
    }

    /// Waits until the listener is bound; returns its port (the real one when configured with port 0).
    ///
    /// - Throws: the error that stopped the listener before it bound.
    @discardableResult
    public func waitUntilListening() async throws -> Int {
        try await bound.wait()
    }

    /// The bound port, once listening.
    public var port: Int? { bound.current }

    /// HTTP/1.1 over TLS, HTTP/2 or HTTP/1.1 by ALPN over TLS (`http2`), or plain HTTP/1.1 (no h2c).
    ///
    /// `request_timeout` bounds the body read (``WebhookEndpoint``, 408). An HTTP/1.1 connection, an HTTP/2
    /// stream and an HTTP/2 connection without open streams are closed after `request_timeout` + 1 s without
    /// input: the second lets the 408 out first (at exactly `request_timeout` the idle close raced it, and over
    /// HTTP/2 a lost race is a bare RST_STREAM instead of an answer).
    /// `http2Upgrade` sets the ALPN protocols (h2, http/1.1) on a copy of the TLS configuration; its minimum
    /// version, ciphers, client CA and `sslContextCallback` (certificate reload) stay as they are. The TLS
    /// channel is made by ``ListenerTLS``, which makes it again when the client CA bundle is reloaded.
    static func serverBuilder(_ configuration: WebhookListenerConfiguration, tls: ListenerTLS?) throws -> HTTPServerBuilder {
        let idleTimeout = configuration.requestTimeout + .seconds(1)
        let maxBody = configuration.maxBody
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestBodyCap(maxBody: maxBody)],
            idleTimeout: TimeAmount(idleTimeout)
        )
        guard let tls else { return .http1(configuration: http1) }
        // A TLS handshake gets as long as a request body: `request_timeout`.
        let handshake = TimeAmount(configuration.requestTimeout)
        // One per server: a plain-HTTP sender and each reason a handshake fails reach the log once a minute.
        let notices = RefusalLogGate()
        guard configuration.http2 else {
            return HTTPServerBuilder { responder in
                HandshakeDeadlineChannel(
                    base: try tls.channel { try TLSChannel(HTTP1Channel(responder: responder, configuration: http1), tlsConfiguration: $0) },
                    deadline: handshake,
                    notices: notices
                )
            }
        }
        let http2 = HTTP2ChannelConfiguration(
            idleTimeout: idleTimeout,
            gracefulCloseTimeout: idleTimeout,
            streamConfiguration: http1
        )
        return HTTPServerBuilder { responder in
            HandshakeDeadlineChannel(
                base: try tls.channel { try HTTP2UpgradeChannel(tlsConfiguration: $0, configuration: http2, responder: responder) },
                deadline: handshake,
                notices: notices
            )
        }
    }
}
