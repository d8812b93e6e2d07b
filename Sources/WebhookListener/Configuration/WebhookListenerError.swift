/// Why the listener could not start. Messages name the key or file, never a secret's value.
public struct WebhookListenerError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// A key's value cannot be used (a bad CIDR, a `whsec_` secret that is not base64).
        public static let invalidConfiguration = Code(name: "invalidConfiguration")
        /// The certificate, key or CA bundle could not be loaded.
        public static let tls = Code(name: "tls")
        /// The listener's address could not be bound (in use, not this machine's, a privileged port).
        public static let bind = Code(name: "bind")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message alone: it names the key or file already, and a code's name (`invalidConfiguration`)
    /// means nothing to an operator.
    public var description: String { message }
}
