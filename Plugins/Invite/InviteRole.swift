/// The roles an invitation can carry (avala-api.md: `owner | admin | member`).
enum InviteRole: String, CaseIterable {
    case owner, admin, member

    static let names = allCases.map(\.rawValue)
}
