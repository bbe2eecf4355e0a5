import AutoDiff
import TourDocument

/// Chapter 1: operations recorded on the tape, and the chain rule applied backwards, step by step.
@_optimize(none) package func tapeChapter(_ context: Context) throws {
    context.say("""
    Every operation on a Variable is recorded on a tape, in the order it runs. backward() walks the tape
    from the end to the start; at each node it multiplies the incoming gradient by the node's local
    derivative (the chain rule) and adds the result into the node's inputs.

    A small expression first: L = (a·b + c)·f with a = 2, b = −3, c = 10, f = −2.
    """)
    let a = Variable(2.0), b = Variable(-3.0), c = Variable(10.0), f = Variable(-2.0)
    var d = a, e = a, L = a
    let expression = {   // a closure, not a local func: top-level code in a package of your own can run it too
        d = a * b
        e = d + c
        L = e * f
        for node in [d, e] { node.retainGrad() }
        L.backward()
    }
    if context.trace {
        context.say("\n  The tape as it is recorded (#n is node n), then as backward() applies each rule:")
        withTapeTrace(to: { context.say("    " + $0) }, expression)
        context.say("")
    } else {
        expression()
    }
    context.say("  d = a·b   = \(d.scalar)")
    context.say("  e = d + c = \(e.scalar)")
    context.say("  L = e·f   = \(L.scalar)")
    let dL = 1.0, de = f.scalar * dL, dd = de * 1
    context.say("""

    Backwards, node by node (local derivative × incoming gradient):
      ∂L/∂L = 1
      ∂L/∂e = ∂(e·f)/∂e × ∂L/∂L = f × 1        = \(de)      tape: \(e.grad!.scalar)
      ∂L/∂f = ∂(e·f)/∂f × ∂L/∂L = e × 1        = \(e.scalar * dL)       tape: \(f.grad!.scalar)
      ∂L/∂d = ∂(d+c)/∂d × ∂L/∂e = 1 × \(de)     = \(dd)      tape: \(d.grad!.scalar)
      ∂L/∂c = ∂(d+c)/∂c × ∂L/∂e = 1 × \(de)     = \(de)      tape: \(c.grad!.scalar)
      ∂L/∂a = ∂(a·b)/∂a × ∂L/∂d = b × \(dd)    = \(b.scalar * dd)       tape: \(a.grad!.scalar)
      ∂L/∂b = ∂(a·b)/∂b × ∂L/∂d = a × \(dd)     = \(a.scalar * dd)      tape: \(b.grad!.scalar)

    When a value is used twice its gradients add up (fan-out): for y = x·x + x at x = 3,
    ∂y/∂x = x + x + 1 = 7.
    """)
    let x = Variable(3.0)
    let y = x * x + x
    y.backward()
    context.say("  tape: ∂y/∂x = \(x.grad!.scalar)")

    context.say("""

    micrograd's published example, on the same tape (a = −4, b = 2):
    """)
    let ma = Variable(-4.0), mb = Variable(2.0)
    var mc = ma + mb
    var md = ma * mb + pow(mb, 3)
    mc = mc + mc + 1
    mc = mc + 1 + mc - ma
    md = md + md * 2 + relu(mb + ma)
    md = md + 3 * md + relu(mb - ma)
    let me = mc - md
    let mf = pow(me, 2)
    var mg = mf / 2
    mg = mg + 10 / mf
    mg.backward(retainGraph: true)    // keep the graph to draw it with every node's gradient
    context.say("  g = \(format(mg.scalar))   ∂g/∂a = \(format(ma.grad!.scalar))   ∂g/∂b = \(format(mb.grad!.scalar))")
    context.say("  (micrograd prints 24.7041, 138.8338 and 645.5773)")
    let graph = mg.graph()
    context.say("""

    Its graph, as micrograd's draw_dot shows it: each node with its operation, value and gradient, drawn
    by the library (graph.svg; graph.dot and graph.mermaid give the same for Graphviz and Mermaid).
    """)
    try context.save(svgText: graph.svg, as: "01-micrograd-graph.svg")
    if !context.trace { context.say("  (playground tape --trace prints the tape entry by entry as it is recorded and differentiated)") }
}
