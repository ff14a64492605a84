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

    @Test func jqFilterMatchesTheJqProgram() throws {
        let input: JSON = ["imagesSet": [["imageId": "ami-1", "name": "b"], ["imageId": "ami-2", "name": "a"]]]
        #expect(try JQFilter(".imagesSet | sort_by(.name) | .[0].imageId").render(input, compact: false, raw: false) == ["\"ami-2\""])
        #expect(try JQFilter(".imagesSet[].imageId").render(input, compact: false, raw: true) == ["ami-1", "ami-2"])
        #expect(try JQFilter("{n: (.imagesSet | length)}").render(input, compact: false, raw: false) == ["{\n  \"n\": 2\n}"])
        #expect(try JQFilter(".imagesSet[0]").render(input, compact: true, raw: false) == [#"{"imageId":"ami-1","name":"b"}"#])
        #expect(try JQFilter("empty").render(input, compact: true, raw: false).isEmpty)
        // Without a filter our own writer prints what jq would.
        #expect(input.serialized(pretty: true) == (try JQFilter(".").render(input, compact: false, raw: false))[0])
    }

    @Test func jqErrorsAreUsageAtCompileAndFilterAtRun() {
        do { _ = try JQFilter(".[") ; Issue.record("compiled") } catch let e as ToolError { #expect(e.exitCode == 2) } catch { Issue.record("\(error)") }
        do { _ = try JQFilter(".a[]").render(["a": 1], compact: true, raw: false); Issue.record("ran") } catch let e as ToolError { #expect(e.exitCode == 5) } catch { Issue.record("\(error)") }
    }
}
