import AsyncHTTPClient
import AvalaAPI
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// Sends webhook deliveries as Avala does: a JSON POST of the bare resource, signed with the `avala`
/// scheme, with the event and delivery id in headers. A retry keeps the delivery id.
struct WebhookDeliverer: Sendable {
    let http: HTTPClient
    let state: SimulatorState
    let timeout: Duration
    let logger: Logger

    static func makeHTTPClient(trustRootsPEM: [String]) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if !trustRootsPEM.isEmpty {
            let certificates = try trustRootsPEM.flatMap { try NIOSSLCertificate.fromPEMBytes(Array($0.utf8)) }
            tls.trustRoots = .certificates(certificates)
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func deliver(_ job: DeliveryJob) async {
        var request = HTTPClientRequest(url: job.targetURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Avala-Webhooks/1.0 (simulator)")
        request.headers.add(name: AvalaHeaders.webhookSignature, value: job.signature)
        request.headers.add(name: AvalaHeaders.webhookEvent, value: job.eventType)
        request.headers.add(name: AvalaHeaders.webhookDelivery, value: job.uid)
        request.body = .bytes(ByteBuffer(bytes: job.body))
        do {
            let response = try await http.execute(request, timeout: .init(timeout))
            let body = try await response.body.collect(upTo: 65_536)
            let status = Int(response.status.code)
            logger.debug(
                "Webhook delivered",
                metadata: ["delivery.uid": "\(job.uid)", "event.type": "\(job.eventType)", "http.status": "\(status)"]
            )
            await state.recordAttempt(uid: job.uid, responseStatus: status, responseBody: String(buffer: body))
        } catch {
            logger.debug(
                "Webhook delivery failed",
                metadata: ["delivery.uid": "\(job.uid)", "event.type": "\(job.eventType)", "error": "\(error)"]
            )
            await state.recordAttempt(uid: job.uid, responseStatus: nil, responseBody: nil)
        }
    }
}
