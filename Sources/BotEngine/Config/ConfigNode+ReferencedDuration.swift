import BotKit

extension ConfigNode {
    /// `message`, a plugin's refusal of this node's value, said of the `${…}` reference it came from when
    /// it is the refusal of a duration (``ConfigDuration/parse(_:referencedAs:)``): the plugin reads
    /// values without knowing where they came from, and its hint built from the value (`write 7s`) would
    /// otherwise read `${PER}s` once the value is put back as its reference. Any other message as it is.
    public func sayingOfItsReference(_ message: String) -> String {
        guard let reference, let text else { return message }
        do {
            _ = try ConfigDuration.parse(text)
            return message
        } catch {
            guard error.message == message else { return message }
            do {
                _ = try ConfigDuration.parse(text, referencedAs: reference)
                return message
            } catch {
                return error.message
            }
        }
    }
}
