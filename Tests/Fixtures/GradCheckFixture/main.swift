// A test fixture: gradcheck with two user-defined operations added through the custom-derivative API,
// one with a correct rule and one with a deliberately wrong one (d/dx x² written as x instead of 2x).
import Foundation
import AutoDiff
import GradCheckCore

let square = DifferentiableFunction<Double>(name: "square", forward: { $0[0] * $0[0] },
                                            pullback: { g, xs, _ in [g * 2 * xs[0]] })
let brokenSquare = DifferentiableFunction<Double>(name: "brokenSquare", forward: { $0[0] * $0[0] },
                                                  pullback: { g, xs, _ in [g * xs[0]] })

exit(GradCheckCommand.run(Array(CommandLine.arguments.dropFirst()),
                          functions: ["square": square, "brokenSquare": brokenSquare]))
