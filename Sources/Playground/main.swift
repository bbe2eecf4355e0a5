// playground: a guided tour of backpropagation, chapter by chapter, on this framework.
import Foundation
import NN
import TourDocument

let usage = """
usage: playground [CHAPTER…] [--out DIR] [--seed N] [--trace] [--quick] [--markdown DIR]
       playground --list

Runs the whole tour, or the chapters given by number or name. Pictures (SVG) go to --out
(default playground-output/, created if needed), and so does index.html: the chapters run as one
page (their explanations, code, output and pictures), to open in a browser.

options:
  --list        list the chapters
  --out DIR     where the pictures go
  --seed N      the seed of every random draw (default 42)
  --trace       print the tape entry by entry as it is recorded, and rule by rule as
                backward() applies it (chapter 1: playground tape --trace)
  --quick       train briefly where a chapter trains for long (convolutions: 3 epochs and
                2 seeds; sequences: a few hundred steps per model), e.g. in a debug build;
                its figures then differ
  --markdown DIR  also write the chapters as Markdown pages with their pictures into DIR
                (Scripts/make-tutorial.py does this for Docs/Tutorial)
  --help        show this help
"""

// Build time: the command line and the page are handled once per run; unoptimized (`@_optimize(none)`), this
// module's release job is shorter. The chapters' own code is compiled in their modules.
@_optimize(none) func runTour() {
    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data(("playground: " + message + "\n").utf8))
        exit(2)
    }

    let arguments = Array(CommandLine.arguments.dropFirst())
    var selected: [Chapter] = []
    var output = URL(fileURLWithPath: "playground-output")
    var seed: UInt64 = 42
    var trace = false
    var quick = false
    var markdown: URL?
    var i = 0
    while i < arguments.count {
        let a = arguments[i]
        switch a {
        case "--help", "-h":
            print(usage)
            exit(0)
        case "--list":
            for c in chapters { print(String(format: "%3d  %-12@ %@", c.number, c.name as NSString, c.title as NSString)) }
            exit(0)
        case "--quick":
            quick = true
        case "--out":
            i += 1
            guard i < arguments.count, !arguments[i].hasPrefix("--") else { fail("--out needs a directory") }
            output = URL(fileURLWithPath: arguments[i])
        case "--trace":
            trace = true
        case "--seed":
            i += 1
            guard i < arguments.count, let s = UInt64(arguments[i]) else { fail("--seed needs a whole number ≥ 0") }
            seed = s
        case "--markdown":
            i += 1
            guard i < arguments.count, !arguments[i].hasPrefix("--") else { fail("--markdown needs a directory") }
            markdown = URL(fileURLWithPath: arguments[i])
        default:
            if a.hasPrefix("-") { fail("unknown option '\(a)' (see --help)") }
            guard let chapter = chapters.first(where: { String($0.number) == a || $0.name == a.lowercased() }) else {
                fail("no chapter '\(a)'; chapters: " + chapters.map { "\($0.number) \($0.name)" }.joined(separator: ", "))
            }
            selected.append(chapter)
        }
        i += 1
    }
    if selected.isEmpty { selected = chapters }
    do {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    } catch {
        fail("cannot create \(output.path): \(error.localizedDescription)")
    }
    let context = Context(outputDirectory: output, seed: seed, trace: trace, quick: quick)
    var documents: [ChapterDocument] = []
    for chapter in selected {
        print("\n━━━ Chapter \(chapter.number): \(chapter.title) ━━━\n")
        do {
            try withRandomSeed(seed &+ UInt64(chapter.number)) { try chapter.run(context) }
        } catch {
            FileHandle.standardError.write(Data("playground: chapter \(chapter.number) failed: \(error)\n".utf8))
            exit(1)
        }
        documents.append(ChapterDocument(chapter: chapter, events: context.takeEvents(), seed: seed))
    }
    do {
        let page = output.appendingPathComponent("index.html")
        try TourPage.html(documents, seed: seed).write(to: page, atomically: true, encoding: .utf8)
        print("\nThe tour as one page: \(page.path)")
        if let markdown {
            try TutorialPages.write(documents, seed: seed, to: markdown)
            print("The Markdown pages: \(markdown.path)")
        }
    } catch {
        fail("cannot write the page: \(error.localizedDescription)")
    }
}

runTour()
