import Testing
@testable import AWSCore
@testable import ToolSupport

struct JQFilterTests {
    @Test func jqFilterMatchesTheJqProgram() throws {
        let input: JSON = ["imagesSet": [["imageId": "ami-1", "name": "b"], ["imageId": "ami-2", "name": "a"]]]
        #expect(
            try JQFilter(".imagesSet | sort_by(.name) | .[0].imageId").render(input, compact: false, raw: false) == [
                "\"ami-2\""
            ])
        #expect(try JQFilter(".imagesSet[].imageId").render(input, compact: false, raw: true) == ["ami-1", "ami-2"])
        #expect(
            try JQFilter("{n: (.imagesSet | length)}").render(input, compact: false, raw: false) == ["{\n  \"n\": 2\n}"]
        )
        #expect(
            try JQFilter(".imagesSet[0]").render(input, compact: true, raw: false) == [
                #"{"imageId":"ami-1","name":"b"}"#
            ])
        #expect(try JQFilter("empty").render(input, compact: true, raw: false).isEmpty)
        // Without a filter our own writer prints what jq would.
        #expect(input.serialized(pretty: true) == (try JQFilter(".").render(input, compact: false, raw: false))[0])
    }

    @Test func jqErrorsAreUsageAtCompileAndFilterAtRun() {
        do { _ = try JQFilter(".["); Issue.record("compiled") } catch let e as ToolError {
            #expect(e.exitCode == 2)
        } catch { Issue.record("\(error)") }
        do { _ = try JQFilter(".a[]").render(["a": 1], compact: true, raw: false); Issue.record("ran") } catch let e
            as ToolError
        { #expect(e.exitCode == 5) } catch { Issue.record("\(error)") }
    }
}
