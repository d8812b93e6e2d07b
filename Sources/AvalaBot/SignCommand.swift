import ArgumentParser
import BotEngine
import BotKit
import Foundation
import WebhookListener

/// `avala-bot sign`: the headers (and a curl line) for a test delivery of a file, signed as a sender would.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a file's bytes verbatim for a test delivery; print the headers and a ready curl line.",
        discussion: """
            The file is sent as it is (an Avala-shaped body, e.g. a bare export). Each run uses a new \
            delivery id, so the listener treats it as a new delivery.
            """
    )

    @Option(name: .long, help: "The webhook secret (for standard-webhooks: whsec_…). --secret-file keeps it off the command line.")
    var secret: String?

    @Option(name: .long, help: "A file holding the webhook secret (one trailing newline is ignored), instead of --secret.")
    var secretFile: String?

    @Option(name: .long, help: "avala (default), standard-webhooks, github or stripe.")
    var scheme: String = "avala"

    @Option(
        name: .long,
        help:
            "The event type header for avala and github (default export.completed). standard-webhooks and stripe carry no event header: their body names its type."
    )
    var event: String?

    @Option(name: .long, help: "The listener URL for the curl line.")
    var url: String = "https://localhost:8443/webhooks/avala"

    @Option(
        name: .long,
        help: "A CA or self-signed certificate file the curl line trusts for the listener (curl --cacert), as a test certificate needs."
    )
    var cacert: String?

    @Argument(help: "The JSON file to send.")
    var file: String

    func validate() throws {
        if (secret == nil) == (secretFile == nil) { throw ValidationError("give --secret or --secret-file (one of them)") }
        // An empty secret signs with an empty key: anyone could forge what the listener would accept.
        if secret?.isEmpty == true { throw ValidationError("--secret must not be empty") }
        guard let scheme = WebhookScheme(rawValue: scheme), scheme != .none else {
            throw ValidationError("--scheme must be one of: avala, standard-webhooks, github, stripe")
        }
        if let problem = event.flatMap({ EventType(rawValue: $0).nameProblem }) {
            throw ValidationError("--event: \(problem) (the listener would answer 400)")
        }
        if let event, scheme == .standardWebhooks || scheme == .stripe {
            throw ValidationError(
                "--scheme \(scheme.rawValue) has no event type header, so --event cannot be sent: put \"type\": \"\(event)\" in \(file) instead"
            )
        }
    }

    func run() throws {
        let body: Data
        do {
            body = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw CommandFailure("cannot read \(file): \(Self.reason(error))")
        }
        guard let scheme = WebhookScheme(rawValue: scheme), scheme != .none else {
            throw ValidationError("--scheme must be one of: avala, standard-webhooks, github, stripe")
        }
        // The listener answers a body that is not one JSON object 400: say so here rather than print a
        // curl line that cannot work.
        let json: JSON
        do {
            json = try JSON.parse(Array(body))
        } catch {
            throw CommandFailure("\(file) is not valid JSON (\(error)): the listener would answer 400")
        }
        guard json.objectValue != nil else { throw CommandFailure("\(file) is not a JSON object: the listener would answer 400") }
        // Without an event header the listener takes the type from the body; a body without one would
        // be answered 400 too.
        if scheme == .standardWebhooks || scheme == .stripe {
            guard EventNormalizer.typeInBody(json) != nil else {
                throw CommandFailure(
                    "--scheme \(scheme.rawValue) has no event type header, and \(file) names no type (an \"event\", \"event_type\" or \"type\" field): the listener would answer 400"
                )
            }
        }
        let (secret, origin) = try readSecret()
        let signer: WebhookSigner
        do throws(WebhookListenerError) {
            signer = try WebhookSigner(scheme: scheme, secret: secret)
        } catch {
            // The message names what is wrong with the secret, never the secret itself.
            throw CommandFailure("\(origin): \(error.message)")
        }
        let headers = signer.headers(
            for: Array(body),
            event: event ?? "export.completed",
            deliveryID: "msg_" + UUID().uuidString.lowercased(),
            at: Date()
        )
        for (name, value) in headers { Console.line("\(name): \(value)") }
        let flags = headers.map { "-H \(Self.shellQuoted("\($0.0): \($0.1)"))" }.joined(separator: " ")
        Console.line(
            "curl -sS -X POST -H 'Content-Type: application/json' \(flags) --data-binary \(Self.shellQuoted("@" + file))"
                + (cacert.map { " --cacert \(Self.shellQuoted($0))" } ?? "") + " \(Self.shellQuoted(url))"
        )
    }

    /// `text` as one word for a POSIX shell: as it is when it holds nothing the shell reads, else in
    /// single quotes (a file name with a space, a URL with `&`).
    static func shellQuoted(_ text: String) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-")
        if !text.isEmpty, text.allSatisfy(plain.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// The secret and where it came from (for messages): `--secret`, or `--secret-file`'s contents
    /// without the trailing newline an editor or `echo` adds.
    private func readSecret() throws -> (secret: String, origin: String) {
        guard let secretFile else { return (secret ?? "", "--secret") }
        let text: String
        do {
            text = try String(contentsOf: URL(fileURLWithPath: secretFile), encoding: .utf8)
        } catch {
            throw CommandFailure("--secret-file \(secretFile): cannot read it: \(Self.reason(error))")
        }
        var secret = text
        // "\r\n" is one Character in Swift, so either ending goes with one removeLast().
        if secret.hasSuffix("\r\n") || secret.hasSuffix("\n") { secret.removeLast() }
        guard !secret.isEmpty else { throw CommandFailure("--secret-file \(secretFile): the file is empty") }
        return (secret, "--secret-file \(secretFile)")
    }

    /// Why a file could not be read, in a few words rather than Foundation's "The operation could not be
    /// completed" sentence.
    static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let code = underlying?.code, underlying?.domain == NSPOSIXErrorDomain, let text = strerror(Int32(code)) {
            return String(cString: text).lowercased()
        }
        switch (error as? CocoaError)?.code {
        case .fileReadNoSuchFile?, .fileNoSuchFile?: return "no such file"
        case .fileReadNoPermission?: return "permission denied"
        default: return error.localizedDescription
        }
    }
}
