struct XMLElement {
    var name: String
    var children: [XMLElement] = []
    var text = ""
    var hadText = false
}

/// A small, strict XML reader for AWS responses: elements, text, entities, CDATA, comments
/// and processing instructions; no DTDs.
struct XMLParser {
    let bytes: [UInt8]
    var i = 0

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    mutating func parseDocument() throws -> XMLElement {
        skipMisc()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "<") else {
            throw Failure(description: "not XML: no root element")
        }
        let root = try element()
        skipMisc()
        return root
    }

    mutating func skipSpace() { while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 } }

    func starts(_ s: String) -> Bool {
        let u = Array(s.utf8)
        return i + u.count <= bytes.count && Array(bytes[i..<i + u.count]) == u
    }

    mutating func skipPast(_ s: String) throws {
        let u = Array(s.utf8)
        while i + u.count <= bytes.count {
            if Array(bytes[i..<i + u.count]) == u { i += u.count; return }
            i += 1
        }
        throw Failure(description: "unterminated XML construct, expected \(s)")
    }

    mutating func skipMisc() {
        while true {
            skipSpace()
            if starts("<?") { try? skipPast("?>"); continue }
            if starts("<!--") { try? skipPast("-->"); continue }
            if starts("<!DOCTYPE") { try? skipPast(">"); continue }
            return
        }
    }

    mutating func name() -> String {
        let start = i
        while i < bytes.count,
            ![0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "=")].contains(bytes[i])
        { i += 1 }
        let full = String(decoding: bytes[start..<i], as: UTF8.self)
        // Namespace prefixes carry no meaning for the JSON form.
        if let colon = full.lastIndex(of: ":") { return String(full[full.index(after: colon)...]) }
        return full
    }

    mutating func element() throws -> XMLElement {
        i += 1  // <
        var el = XMLElement(name: name())
        guard !el.name.isEmpty else { throw Failure(description: "malformed XML tag") }
        // Attributes: skipped, quotes respected.
        while i < bytes.count, bytes[i] != UInt8(ascii: ">"),
            !(bytes[i] == UInt8(ascii: "/") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: ">"))
        {
            if bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") {
                let q = bytes[i]
                i += 1
                while i < bytes.count, bytes[i] != q { i += 1 }
            }
            i += 1
        }
        guard i < bytes.count else { throw Failure(description: "unterminated tag <\(el.name)>") }
        if bytes[i] == UInt8(ascii: "/") { i += 2; return el }
        i += 1
        var text: [UInt8] = []
        while true {
            guard i < bytes.count else { throw Failure(description: "unterminated element <\(el.name)>") }
            if bytes[i] == UInt8(ascii: "<") {
                if starts("</") {
                    i += 2
                    let closing = name()
                    guard closing == el.name else {
                        throw Failure(description: "mismatched </\(closing)> for <\(el.name)>")
                    }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ">") else {
                        throw Failure(description: "malformed closing tag")
                    }
                    i += 1
                    break
                } else if starts("<![CDATA[") {
                    i += 9
                    let start = i
                    try skipPast("]]>")
                    text.append(contentsOf: bytes[start..<i - 3])
                } else if starts("<!--") {
                    try skipPast("-->")
                } else if starts("<?") {
                    try skipPast("?>")
                } else {
                    el.children.append(try element())
                }
            } else if bytes[i] == UInt8(ascii: "&") {
                text.append(contentsOf: try entity())
            } else {
                text.append(bytes[i])
                i += 1
            }
        }
        if el.children.isEmpty {
            el.text = String(decoding: text, as: UTF8.self)
            el.hadText = !text.isEmpty
        }
        return el
    }

    mutating func entity() throws -> [UInt8] {
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: ";"), i - start < 12 { i += 1 }
        guard i < bytes.count, bytes[i] == UInt8(ascii: ";") else { throw Failure(description: "malformed XML entity") }
        let name = String(decoding: bytes[start + 1..<i], as: UTF8.self)
        i += 1
        switch name {
        case "amp": return [UInt8(ascii: "&")]
        case "lt": return [UInt8(ascii: "<")]
        case "gt": return [UInt8(ascii: ">")]
        case "quot": return [UInt8(ascii: "\"")]
        case "apos": return [UInt8(ascii: "'")]
        default:
            var scalar: UInt32?
            if name.hasPrefix("#x") {
                scalar = UInt32(name.dropFirst(2), radix: 16)
            } else if name.hasPrefix("#") {
                scalar = UInt32(name.dropFirst(1))
            }
            guard let s = scalar, let u = Unicode.Scalar(s) else {
                throw Failure(description: "unknown XML entity &\(name);")
            }
            return Array(String(Character(u)).utf8)
        }
    }
}
