import BotKit
import Foundation
import Testing

/// The one expiry rule the invite plugin and the invitations poller share.
@Suite struct InvitationExpiryTests {
    static let now = Date(timeIntervalSince1970: 1_767_225_600)
    static let past = now.addingTimeInterval(-1)
    static let future = now.addingTimeInterval(60)

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var status: String?
        var isExpired: Bool?
        var expiresAt: Date?
        /// Expected while listed, and for one no longer listed.
        var listed: Bool
        var gone: Bool
    }

    @Test(arguments: [
        Case(testDescription: "status expired", status: "expired", expiresAt: future, listed: true, gone: true),
        Case(testDescription: "status Expired, any case", status: "Expired", listed: true, gone: true),
        Case(testDescription: "is_expired true", status: "pending", isExpired: true, expiresAt: future, listed: true, gone: true),
        Case(testDescription: "is_expired false, expires_at past", status: "pending", isExpired: false, expiresAt: past, listed: false, gone: true),
        Case(testDescription: "no is_expired, expires_at past", status: "pending", expiresAt: past, listed: true, gone: true),
        Case(testDescription: "expires_at exactly now", status: "pending", expiresAt: now, listed: true, gone: true),
        Case(testDescription: "expires_at ahead", status: "pending", isExpired: false, expiresAt: future, listed: false, gone: false),
        Case(testDescription: "nothing known", listed: false, gone: false),
    ])
    func theRule(_ c: Case) {
        let listed = InvitationExpiry.hasExpired(status: c.status, isExpired: c.isExpired, expiresAt: c.expiresAt, now: Self.now, stillListed: true)
        let gone = InvitationExpiry.hasExpired(status: c.status, isExpired: c.isExpired, expiresAt: c.expiresAt, now: Self.now, stillListed: false)
        #expect(listed == c.listed)
        #expect(gone == c.gone)
        let invitation = AvalaInvitation(uid: "i-1", email: "a@acme.ai", status: c.status, isExpired: c.isExpired, expiresAt: c.expiresAt)
        #expect(invitation.hasExpired(at: Self.now) == c.listed, "the invite plugin judges a listed invitation")
    }
}
