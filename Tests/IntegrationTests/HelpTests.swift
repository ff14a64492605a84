import Foundation
import Testing
@testable import AWSCore

extension Integration {
    /// Every tool's `--help`, read as a new user reads it.
    @Suite struct HelpTests {
        /// Each tool and subcommand, and whether `--images-prefix` does something there.
        static let commands: [([String], Bool)] = [
            (["aws-sign-request"], false), (["cfn-deploy"], false), (["keypair", "create"], false),
            (["keypair", "delete"], false), (["tag-assets"], false), (["list-assets"], true), (["purge-assets"], true),
            (["ami-export", "image"], false), (["ami-export", "export"], true), (["ami-export", "make-public"], false),
            (["ami-export", "rename"], false), (["security-group", "create"], false),
            (["security-group", "delete"], false), (["preflight"], true),
        ]

        /// A wide terminal: every line break left in the help is one the text itself makes.
        func help(_ command: [String]) throws -> String {
            let r = try run(
                command[0], Array(command.dropFirst()) + ["--help"], env: Emulator.environment(["COLUMNS": "2000"]))
            #expect(r.status == 0, "\(command): \(r.stderr)")
            return r.stdout
        }

        @Test(arguments: commands)
        func helpSaysEachDefaultOnceInWholeSentences(command: [String], imagesPrefix: Bool) throws {
            let text = try help(command)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            for line in lines {
                #expect(
                    line.components(separatedBy: "default").count <= 2, "\(command): default said twice in '\(line)'")
            }
            for (line, next) in zip(lines, lines.dropFirst()) {
                let broken =
                    line.last.map { $0.isLetter || $0 == "," || $0 == ";" } == true && next.first?.isLowercase == true
                #expect(!broken, "\(command): a sentence broken between '\(line)' and '\(next)'")
            }
            #expect(text.contains("--images-prefix") == imagesPrefix, "\(command)")
        }

        @Test func usageLinesNameTheRequiredFlags() throws {
            let usage = { (text: String) in
                text.split(separator: "\n").first { $0.hasPrefix("USAGE:") }.map(String.init) ?? ""
            }
            let export = usage(try help(["ami-export", "export"]))
            #expect(export.contains("--format <format>") && !export.contains("[--format"), "\(export)")
            let deploy = usage(try help(["cfn-deploy"]))
            #expect(deploy.contains("--stack <stack> --template <file>"), "\(deploy)")
        }

        @Test(arguments: [
            ("keypair", "create, delete"), ("ami-export", "image, export, make-public, rename"),
            ("security-group", "create, delete"),
        ])
        func aToolWithoutItsSubcommandExits2NamingThem(tool: String, subcommands: String) throws {
            let r = try run(tool)
            #expect(r.status == 2 && r.stdout.isEmpty, "\(r.stdout)")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(subcommands), "\(r.stderr)")
        }
    }
}
