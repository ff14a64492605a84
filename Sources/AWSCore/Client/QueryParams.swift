/// Builds flattened query parameters: EC2 lists are `Name.1`, `Name.2`; AWS query lists are
/// `Name.member.1`. Structures nest with dots.
public struct QueryParams {
    public private(set) var pairs: [(String, String)] = []

    public init() {}

    public mutating func add(_ name: String, _ value: String?) {
        if let value { pairs.append((name, value)) }
    }

    /// `Name.1=a&Name.2=b` (EC2) or, with `member`, `Name.member.1=a…` (AWS query).
    public mutating func list(_ name: String, _ values: [String], member: Bool = false) {
        for (i, v) in values.enumerated() { pairs.append(("\(name)\(member ? ".member" : "").\(i + 1)", v)) }
    }

    /// EC2 filters: `Filter.N.Name` and `Filter.N.Value.M`.
    public mutating func filters(_ filters: [(String, [String])]) {
        for (i, f) in filters.enumerated() {
            pairs.append(("Filter.\(i + 1).Name", f.0))
            for (j, v) in f.1.enumerated() { pairs.append(("Filter.\(i + 1).Value.\(j + 1)", v)) }
        }
    }

    /// EC2 tags at creation: `TagSpecification.N.ResourceType` with `Tag.M.Key/Value`.
    public mutating func tagSpecifications(_ resourceTypes: [String], tags: [(String, String)]) {
        for (i, type) in resourceTypes.enumerated() {
            pairs.append(("TagSpecification.\(i + 1).ResourceType", type))
            for (j, t) in tags.enumerated() {
                pairs.append(("TagSpecification.\(i + 1).Tag.\(j + 1).Key", t.0))
                pairs.append(("TagSpecification.\(i + 1).Tag.\(j + 1).Value", t.1))
            }
        }
    }
}
