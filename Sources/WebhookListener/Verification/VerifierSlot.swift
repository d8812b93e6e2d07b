import Synchronization

/// One path's current verifier, swapped whole by a reload: a request verifies with the one it read, so
/// a secret rotation never shows a request half the old and half the new secrets.
final class VerifierSlot: Sendable {
    private let verifier: Mutex<SignatureVerifier>

    init(_ verifier: SignatureVerifier) {
        self.verifier = Mutex(verifier)
    }

    var current: SignatureVerifier { verifier.withLock { $0 } }

    func replace(with verifier: SignatureVerifier) {
        self.verifier.withLock { $0 = verifier }
    }
}
