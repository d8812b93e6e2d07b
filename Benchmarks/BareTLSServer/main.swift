// The ceiling for the webhook listener benchmark (Benchmarks/listener/run.sh): the same Hummingbird
// HTTP/1.1-over-TLS stack the listener uses, with a route that reads the whole body and answers 200 —
// no signature check, no parsing, no store. Whatever the real listener loses against this is the cost
// of its own work, not of Hummingbird or TLS.
//
// With BARE_DURABLE_FILE set, the route also appends each body to that file, group-committed, and answers
// 202 only after the fdatasync (DurableAppend): the ceiling for any listener that acknowledges durably.
//
// Usage: BareTLSServer <cert.pem> <key.pem> [port] [path]
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: BareTLSServer <cert.pem> <key.pem> [port] [path]\n".utf8))
    exit(64)
}
let port = arguments.count > 3 ? Int(arguments[3]) ?? 9443 : 9443
let path = arguments.count > 4 ? arguments[4] : "/webhooks/avala"

let chain = try NIOSSLCertificate.fromPEMFile(arguments[1])
let key = try NIOSSLPrivateKey(file: arguments[2], format: .pem)
var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
// Same floor as the listener (swift-nio-ssl's default minimum is TLS 1.0).
tls.minimumTLSVersion = .tlsv12

let durable: DurableAppend?
do {
    durable = try ProcessInfo.processInfo.environment["BARE_DURABLE_FILE"].map(DurableAppend.init(path:))
} catch {
    FileHandle.standardError.write(Data("BareTLSServer: \(error)\n".utf8))
    exit(66)
}

let router = Router()
router.post(RouterPath(path)) { request, _ -> HTTPResponse.Status in
    // Read the body as the listener does, so both pay for receiving it.
    let body = try await request.body.collect(upTo: 1 << 20)
    guard let durable else { return .ok }
    try await durable.append(body)
    return .accepted
}
let app = Application(
    router: router,
    server: try .tls(.http1(), tlsConfiguration: tls),
    configuration: .init(address: .hostname("127.0.0.1", port: port))
)
try await app.runService()
