public import Foundation

/// When an invitation counts as expired: one rule for the invite plugin (``AvalaInvitation/hasExpired(at:)``),
/// which reads the API's listing now, and the invitations poller, which also judges an invitation it no
/// longer sees by what it last saw of it.
///
/// ```swift
/// InvitationExpiry.hasExpired(status: "pending", isExpired: nil, expiresAt: yesterday, now: Date(), stillListed: true)  // true
/// ```
public enum InvitationExpiry {
    /// Whether the evidence says the invitation expired: `status: expired` (any case), `is_expired: true`,
    /// or an `expires_at` at or before `now`.
    ///
    /// An expired invitation can no longer be accepted. While an invitation is listed, its `is_expired` is
    /// the API's word at that moment, so `expires_at` is read only without it; for one no longer listed,
    /// its last seen `expires_at` is compared with `now` even if it then said `is_expired: false`, since
    /// time has passed since.
    ///
    /// - Parameters:
    ///   - stillListed: whether the evidence is what the API lists now, rather than what it last listed.
    public static func hasExpired(status: String?, isExpired: Bool?, expiresAt: Date?, now: Date, stillListed: Bool) -> Bool {
        if status?.lowercased() == "expired" || isExpired == true { return true }
        if isExpired == false, stillListed { return false }
        guard let expiresAt else { return false }
        return expiresAt <= now
    }
}
