import Foundation
import Testing

/// The README shows the tool with real output: each `$ swift run gradcheck …` block is run here and its
/// output compared with the README's.
@Suite("README: gradcheck output")
struct ReadmeToolTests {
    /// Words of a command line, with single quotes grouping.
    static func words(_ line: String) -> [String] {
        var out: [String] = [], current = "", quoted = false, started = false
        for c in line {
            if c == "'" { quoted.toggle(); started = true; continue }
            if c == " " && !quoted {
                if started { out.append(current) }
                current = ""
                started = false
                continue
            }
            current.append(c)
            started = true
        }
        if started { out.append(current) }
        return out
    }

    @Test("every gradcheck example in the README prints what the README shows")
    func examples() throws {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        var found = 0
        for block in readme.components(separatedBy: "```text\n").dropFirst() {
            let body = block.components(separatedBy: "```")[0]
            guard body.hasPrefix("$ swift run gradcheck ") else { continue }
            let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
            let command = Self.words(String(lines[0].dropFirst("$ swift run gradcheck ".count)))
            let expected = lines.dropFirst().joined(separator: "\n")
            let (_, out, err) = try runTool("gradcheck", command)
            #expect(out + err == expected, "README shows:\n\(expected)\nthe tool prints:\n\(out + err)")
            found += 1
        }
        #expect(found >= 2)
    }
}
