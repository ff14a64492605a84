import AWSCore

/// list-assets for people: an aligned table for the terminal, a markdown table for release notes.
/// A stack's resources follow it as indented rows; a kind that could not be listed is named
/// under the summary.
public enum AssetTable {
    static let headers = ["KIND", "ID", "NAME", "STATE", "CREATED", "SIZE", "ASSET-ID", "REGION"]

    /// One row per asset and per stack resource; `true` marks a resource row; the URL is the
    /// image's download address, when it has one.
    static func rows(_ assets: [Asset]) -> [(cells: [String], isResource: Bool, url: String?)] {
        var rows: [(cells: [String], isResource: Bool, url: String?)] = []
        for a in assets {
            rows.append(
                (
                    [
                        a.kind.rawValue, a.id, a.name ?? "", a.state ?? "", a.created ?? "",
                        a.size.map(humanSize) ?? "", a.assetId, a.region,
                    ], false, a.url
                ))
            for r in a.resources ?? [] {
                rows.append(
                    (
                        ["  resource", r.physicalId ?? "", "\(r.logicalId) (\(r.type))", r.status, "", "", "", ""],
                        true, nil
                    ))
            }
        }
        return rows
    }

    /// Columns padded to their widest cell; with `color`, a bold header and dim resource rows.
    public static func text(_ assets: [Asset], notListed: [NotListed], color: Bool) -> String {
        let body = rows(assets)
        let all = [headers] + body.map(\.cells)
        let widths = headers.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            var s = ""
            for (i, cell) in cells.enumerated() {
                s += i == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 2)
            }
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        var out = paint(line(headers), "1") + "\n"
        for (cells, isResource, _) in body { out += (isResource ? paint(line(cells), "2") : line(cells)) + "\n" }
        return out + summary(assets, notListed) + "\n"
    }

    /// A heading, a summary line and a GitHub-flavoured table; an image's name links to its download.
    public static func markdown(_ assets: [Asset], notListed: [NotListed], pattern: String) -> String {
        var out = "### Assets of `\(pattern)`\n\n\(summary(assets, notListed))\n"
        guard !assets.isEmpty else { return out }
        func cell(_ s: String) -> String {
            s.isEmpty ? "" : s.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
        }
        out += "\n| " + headers.map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined(separator: " | ") + " |\n"
        out += "|" + String(repeating: " --- |", count: headers.count) + "\n"
        for (cells, isResource, url) in rows(assets) {
            // Markdown drops the indentation that marks a resource row in the text table.
            var marked = (isResource ? ["↳ resource"] + cells.dropFirst() : cells).map(cell)
            if let url, !marked[2].isEmpty { marked[2] = "[\(marked[2])](\(url))" }
            out += "| " + marked.joined(separator: " | ") + " |\n"
        }
        return out
    }

    /// `2565 assets, 2.4 MiB: 3 ami, 3 snapshot, …` — counts in kind order; then a line per
    /// kind not listed, since the counts are then not all there is.
    static func summary(_ assets: [Asset], _ notListed: [NotListed]) -> String {
        let partial = notListed.map { "\nPartial list: \($0.text)." }.joined()
        guard !assets.isEmpty else { return "No assets." + partial }
        let counts = Asset.Kind.allCases.compactMap { kind -> String? in
            let n = assets.filter { $0.kind == kind }.count
            return n == 0 ? nil : "\(n) \(kind.rawValue)"
        }
        let total = assets.compactMap(\.size).reduce(0, +)
        return "\(assets.count) asset\(assets.count == 1 ? "" : "s"), \(humanSize(total)): "
            + counts.joined(separator: ", ") + partial
    }

    /// Bytes in binary units with one decimal: `512 B`, `1.5 KiB`, `8.0 GiB`.
    public static func humanSize(_ bytes: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
