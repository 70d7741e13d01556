package dev.heed.toolkit.playground;

import java.util.function.DoubleBinaryOperator;

/** The input features the network may be given, each computed from a point's two coordinates as in the original. */
public enum Feature {
    X1("X1", (x1, x2) -> x1),
    X2("X2", (x1, x2) -> x2),
    X1_SQUARED("X1²", (x1, x2) -> x1 * x1),
    X2_SQUARED("X2²", (x1, x2) -> x2 * x2),
    X1_TIMES_X2("X1·X2", (x1, x2) -> x1 * x2),
    SIN_X1("sin(X1)", (x1, x2) -> Math.sin(x1)),
    SIN_X2("sin(X2)", (x1, x2) -> Math.sin(x2));

    private final String label;
    private final DoubleBinaryOperator formula;

    Feature(String label, DoubleBinaryOperator formula) {
        this.label = label;
        this.formula = formula;
    }

    /** The feature's value at the point (x1, x2). */
    public double apply(double x1, double x2) {
        return formula.applyAsDouble(x1, x2);
    }

    /** The short name drawn next to the feature's neuron. */
    public String label() {
        return label;
    }
}
