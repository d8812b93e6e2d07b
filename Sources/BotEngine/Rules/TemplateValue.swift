import BotKit
import Foundation
import Mustache

/// A JSON value as swift-mustache looks things up in it, without converting the event to `[String: Any]`
/// first: children are wrapped only when a template asks for them.
///
/// What each JSON value becomes (``TemplateScanner``'s missing-path tracking follows the same rules):
/// null → nothing (a missing value, rendered empty, and false in a section); booleans → `Bool` (sections
/// test them); strings → `String` (so transforms like `uppercased` apply); numbers → their text
/// without a needless fraction (`3`, `0.5`); lists → a sequence sections iterate, also indexable
/// (`items.0`); objects → another ``TemplateValue``. Lists and objects render as compact JSON.
struct TemplateValue: MustacheParent, MustacheCustomRenderable {
    let json: JSON

    init(_ json: JSON) { self.json = json }

    func child(named name: String) -> Any? {
        switch json {
        case .object(let object): object[name].flatMap(Self.wrap)
        case .array(let items): Int(name).flatMap { items.indices.contains($0) ? Self.wrap(items[$0]) : nil }
        default: nil
        }
    }

    var renderText: String { json.text }
    var isNull: Bool { false }

    static func wrap(_ json: JSON) -> Any? {
        switch json {
        case .null: nil
        case .bool(let flag): flag
        case .string(let text): text
        case .number, .integer: json.text
        case .object: TemplateValue(json)
        case .array(let items): TemplateList(items: items)
        }
    }
}

/// A JSON list for swift-mustache: iterated by sections, indexed by `items.0`, rendered as JSON.
struct TemplateList: MustacheSequence, MustacheParent, MustacheCustomRenderable {
    let items: [JSON]

    func makeIterator() -> IndexingIterator<[Any]> {
        // A null element is still an element: NSNull renders empty, as swift-mustache intends.
        items.map { TemplateValue.wrap($0) ?? NSNull() }.makeIterator()
    }

    func child(named name: String) -> Any? {
        TemplateValue(.array(items)).child(named: name)
    }

    var renderText: String { JSON.array(items).text }
    var isNull: Bool { false }
}
