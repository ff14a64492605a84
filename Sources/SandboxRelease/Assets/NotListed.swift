import AWSCore

/// A kind list-assets was asked for and could not list (S3 without a VM bucket): the list is
/// partial, and says so in its own output with one entry
/// `{"Kind":"not-listed","Id":"<kind>","Region","Reason"}`, which purge-assets passes over.
public struct NotListed: Error, Equatable, Sendable {
    public static let kindName = "not-listed"

    public var kind: Asset.Kind
    public var region: String
    public var reason: String

    public init(kind: Asset.Kind, region: String, reason: String) {
        self.kind = kind
        self.region = region
        self.reason = reason
    }

    public var json: JSON {
        [
            "Kind": .string(NotListed.kindName), "Id": .string(kind.rawValue), "Region": .string(region),
            "Reason": .string(reason),
        ]
    }

    /// `not listed: s3-object (no VM bucket …)`: the table's and stderr's words.
    public var text: String { "not listed: \(kind.rawValue) in \(region) (\(reason))" }

    /// Whether an entry of list-assets' output is such a marker.
    public static func isMarker(_ entry: JSON) -> Bool { entry["Kind"]?.string == kindName }
}
