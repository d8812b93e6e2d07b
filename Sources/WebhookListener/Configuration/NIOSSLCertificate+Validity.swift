import Foundation
import NIOSSL

extension NIOSSLCertificate {
    /// When the certificate starts being valid, as a date (NIOSSL gives seconds since 1970).
    var validFrom: Date { Date(timeIntervalSince1970: TimeInterval(notValidBefore)) }

    /// When the certificate stops being valid (its notAfter), as a date.
    var validUntil: Date { Date(timeIntervalSince1970: TimeInterval(notValidAfter)) }
}
