import BotKit
import Testing

@testable import BotEngine

/// Flat templates (text and plain variables) render without swift-mustache; the output and the missing
/// paths must be exactly swift-mustache's.
@Suite struct TemplateFastPathTests {
    static let scope: JSON = RuleFixtures.event(
        data: RuleFixtures.exportBody.objectValue.map { body in
            var body = body
            body["text"] = ["html": #"<a href="x">&'</a>"#, "unicode": "café ☕️", "braces": "{{not.a.tag}}", "empty": ""]
            return .object(body)
        } ?? [:]
    ).scope

    @Test(arguments: [
        "Export {{export.uid}} of {{project.name}} failed: {{export.error}}",
        "{{export.count}}/{{export.ratio}}/{{export.done}}/{{export.flag}}",
        "{{project}} {{export.projects}} {{export.projects.0}} {{export.projects.9}}",
        "{{{text.html}}} {{&text.html}} {{text.html}}",
        "{{text.unicode}}{{text.braces}}[{{text.empty}}]",
        "  {{ project.name }}  \n\n{{event.type}}\r\n{{event.time}} {{event.subject}} {{event.replay_of}}",
        "\n{{member.email}}\n  {{member.email}}  \n",
        "{{a}}{{b.c}}{{a}}{{export.missing}}",
        "{{event}}",
        "{{export.format}}}",
        "plain text only",
        "",
    ])
    func matchesSwiftMustache(_ source: String) throws {
        let template = try RuleTemplate(source)
        #expect(TemplateScanner.flat(source) != nil)
        var fastMissing: [String] = []
        var referenceMissing: [String] = []
        let fast = template.render(Self.scope, missing: &fastMissing)
        let reference = template.renderWithMustache(Self.scope, missing: &referenceMissing)
        #expect(fast == reference)
        #expect(fastMissing == referenceMissing)
    }

    /// Anything else goes through swift-mustache.
    @Test(arguments: [
        "{{#project}}{{name}}{{/project}}", "{{^a}}x{{/a}}", "{{! comment }}", "{{=<% %>=}}<% a %>", "{{uppercased(a)}}", "{{.}}",
        "{{.name}}", "{{% CONTENT_TYPE: TEXT }}", "{{$block}}x{{/block}}",
    ])
    func notFlat(_ source: String) throws {
        _ = try RuleTemplate(source)
        #expect(TemplateScanner.flat(source) == nil)
    }
}
