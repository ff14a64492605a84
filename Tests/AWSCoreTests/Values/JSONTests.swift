import Testing
@testable import AWSCore

struct JSONTests {
    @Test func parsesAndWritesBackInOrder() throws {
        let text = #"{"b":1,"a":[true,null,"x\n\u00e9\ud83d\ude00"],"n":-1.5e3,"z":{}}"#
        let j = try JSON.parse(text)
        #expect(j["a"]?.array?[2] == "x\né😀")
        #expect(j["n"] == .number(-1500))
        #expect(j.serialized() == #"{"b":1,"a":[true,null,"x\né😀"],"n":-1500,"z":{}}"#)
        #expect(j.serialized(pretty: true).hasPrefix("{\n  \"b\": 1,\n  \"a\": [\n    true,"))
    }

    @Test func errorsNameLineAndColumn() {
        do {
            _ = try JSON.parse("{\n  \"a\": tru\n}")
            Issue.record("no error")
        } catch let e as JSONParseError {
            #expect(e.line == 2)
        } catch { Issue.record("wrong error") }
        #expect(throws: JSONParseError.self) { try JSON.parse("") }
        #expect(throws: JSONParseError.self) { try JSON.parse("{} {}") }
        #expect(throws: JSONParseError.self) { try JSON.parse("[1,]") }
        #expect(throws: JSONParseError.self) { try JSON.parse("01") }
    }

    @Test func jsonLinesSequence() throws {
        #expect(try JSON.parseSequence(Array("1\n\"a\"\n{\"x\":2}\n".utf8)).count == 3)
    }
}
