import AvalaAPI
import Hummingbird

extension APIRoutes {
    func registerOrganizations(on api: RouterGroup<BasicRequestContext>) {
        api.get("organizations/") { request, _ in
            try await paginator().page(await state.listOrganizations(), request: request, style: .pageNumber(pageSize: 20))
        }
        api.get("organizations/:slug/") { _, context in
            SimulatorResponse.json(try await state.organization(slug: try context.parameter("slug")))
        }
        api.get("organizations/:slug/members/") { request, context in
            let query = request.uri.queryParameters
            let members = try await state.members(
                organization: try context.parameter("slug"),
                search: query.get("search"),
                role: query.get("role")
            )
            return try await paginator().page(members, request: request)
        }
        api.delete("organizations/:slug/members/:user/") { _, context in
            try await state.removeMember(organization: try context.parameter("slug"), userUID: try context.parameter("user"))
            return SimulatorResponse.noContent()
        }
        api.patch("organizations/:slug/members/:user/role/") { request, context in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            let member = try await state.changeRole(
                organization: try context.parameter("slug"),
                userUID: try context.parameter("user"),
                role: try body.requiredString("role")
            )
            return SimulatorResponse.json(member)
        }
        // The SDK pages invitations with `cursor`, so they use cursor pagination here.
        api.get("organizations/:slug/invitations/") { request, context in
            try await paginator().page(
                try await state.pendingInvitations(organization: try context.parameter("slug")),
                request: request
            )
        }
        api.post("organizations/:slug/invitations/") { request, context in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            let invitation = try await state.createInvitation(
                organization: try context.parameter("slug"),
                email: try body.requiredString("email"),
                role: try body.string("role")
            )
            return SimulatorResponse.json(invitation, status: .created)
        }
        api.post("organizations/:slug/invitations/:uid/resend/") { _, context in
            try await state.resendInvitation(organization: try context.parameter("slug"), uid: try context.parameter("uid"))
            return SimulatorResponse.json(["detail": "Invitation resent."] as JSONValue)
        }
        api.post("organizations/:slug/invitations/:uid/cancel/") { _, context in
            try await state.cancelInvitation(organization: try context.parameter("slug"), uid: try context.parameter("uid"))
            return SimulatorResponse.json(["detail": "Invitation cancelled."] as JSONValue)
        }
        api.get("organizations/:slug/teams/") { request, context in
            try await paginator().page(try await state.teams(organization: try context.parameter("slug")), request: request)
        }
        api.get("organizations/:slug/teams/:team/") { _, context in
            SimulatorResponse.json(
                try await state.team(organization: try context.parameter("slug"), team: try context.parameter("team"))
            )
        }
        api.get("organizations/:slug/teams/:team/members/") { request, context in
            try await paginator().page(
                try await state.teamMembers(organization: try context.parameter("slug"), team: try context.parameter("team")),
                request: request
            )
        }
        api.post("organizations/:slug/teams/:team/members/") { request, context in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            let member = try await state.addTeamMember(
                organization: try context.parameter("slug"),
                team: try context.parameter("team"),
                userUID: try body.requiredString("user_uid"),
                role: try body.string("role")
            )
            return SimulatorResponse.json(member, status: .created)
        }
    }
}
