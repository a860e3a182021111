import { parse } from 'acorn';

/**
 * Finds the free variables of a function's source text: identifiers it reads
 * that it does not declare itself. The driver uses this when a transformation
 * is declared, so that a function that would fail with a ReferenceError on an
 * executor is refused on the laptop, by name.
 *
 * Scope handling is deliberately simple: every name declared anywhere inside
 * the function (parameters, var/let/const, function and class names, catch
 * parameters) counts as bound everywhere inside it. That can miss a free use
 * of a name that is shadowed in a sibling block, never the other way round, so
 * it never refuses a correct function.
 */

type Node = { type: string; [key: string]: unknown };

/** Parses function source as produced by Function.prototype.toString. */
export function parseFunctionSource(src: string): Node | undefined {
  const attempts = [`(${src})`, `({${src}})`, `(async function ${src.replace(/^async\s+/, '')})`];
  for (const text of attempts) {
    try {
      const program = parse(text, { ecmaVersion: 'latest', sourceType: 'module' }) as unknown as Node;
      const body = program.body as Node[];
      const stmt = body[0];
      if (body.length === 1 && stmt && stmt.type === 'ExpressionStatement') return stmt.expression as Node;
    } catch {
      // try the next shape: plain function, method shorthand, async method
    }
  }
  return undefined;
}

export interface FreeVariableReport {
  freeNames: string[];
  usesThis: boolean;
}

export function findFreeVariables(fnNode: Node): FreeVariableReport {
  const declared = new Set<string>();
  const referenced = new Set<string>();
  let usesThis = false;

  const declarePattern = (p: Node | null | undefined): void => {
    if (!p) return;
    switch (p.type) {
      case 'Identifier':
        declared.add(p.name as string);
        break;
      case 'ObjectPattern':
        for (const prop of p.properties as Node[]) {
          if (prop.type === 'RestElement') declarePattern(prop.argument as Node);
          else {
            if (prop.computed) visit(prop.key as Node, false);
            declarePattern(prop.value as Node);
          }
        }
        break;
      case 'ArrayPattern':
        for (const el of p.elements as (Node | null)[]) declarePattern(el);
        break;
      case 'RestElement':
        declarePattern(p.argument as Node);
        break;
      case 'AssignmentPattern':
        declarePattern(p.left as Node);
        visit(p.right as Node, false);
        break;
      default:
        // MemberExpression targets in for-in heads and the like are references
        visit(p, false);
    }
  };

  const visitFunction = (n: Node): void => {
    if (n.id) declared.add((n.id as Node).name as string);
    for (const param of n.params as Node[]) declarePattern(param);
    visit(n.body as Node, n.type === 'ArrowFunctionExpression');
  };

  // `insideArrow` tracks whether `this` would still refer to the outer function's this.
  const visit = (n: Node | null | undefined, insideArrow: boolean): void => {
    if (!n || typeof n.type !== 'string') return;
    switch (n.type) {
      case 'Identifier':
        referenced.add(n.name as string);
        return;
      case 'ThisExpression':
        if (insideArrow || n === fnNode) usesThis = true;
        return;
      case 'FunctionExpression':
      case 'FunctionDeclaration':
        if (n.type === 'FunctionDeclaration' && n.id) declared.add((n.id as Node).name as string);
        for (const param of n.params as Node[]) declarePattern(param);
        if (n.type === 'FunctionExpression' && n.id) declared.add((n.id as Node).name as string);
        visit(n.body as Node, false);
        return;
      case 'ArrowFunctionExpression':
        for (const param of n.params as Node[]) declarePattern(param);
        visit(n.body as Node, insideArrow);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression':
        if (n.id) declared.add((n.id as Node).name as string);
        visit(n.superClass as Node, insideArrow);
        visit(n.body as Node, false);
        return;
      case 'VariableDeclarator':
        declarePattern(n.id as Node);
        visit(n.init as Node, insideArrow);
        return;
      case 'CatchClause':
        declarePattern(n.param as Node);
        visit(n.body as Node, insideArrow);
        return;
      case 'MemberExpression':
        visit(n.object as Node, insideArrow);
        if (n.computed) visit(n.property as Node, insideArrow);
        return;
      case 'Property':
      case 'MethodDefinition':
      case 'PropertyDefinition':
        if (n.computed) visit(n.key as Node, insideArrow);
        if (n.value) visit(n.value as Node, n.type === 'Property' ? insideArrow : false);
        return;
      case 'LabeledStatement':
        visit(n.body as Node, insideArrow);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'MetaProperty':
      case 'Literal':
        return;
      default:
        for (const key of Object.keys(n)) {
          if (key === 'type' || key === 'start' || key === 'end' || key === 'loc' || key === 'range') continue;
          const child = n[key];
          if (Array.isArray(child)) for (const c of child) visit(c as Node, insideArrow);
          else if (child && typeof child === 'object') visit(child as Node, insideArrow);
        }
    }
  };

  if (fnNode.type === 'FunctionExpression' || fnNode.type === 'ArrowFunctionExpression') visitFunction(fnNode);
  else if (fnNode.type === 'ObjectExpression') {
    // method shorthand `name(x) { ... }` parsed as `({ name(x) { ... } })`
    const prop = (fnNode.properties as Node[])[0];
    if (prop) visitFunction(prop.value as Node);
  } else visit(fnNode, false);

  const freeNames = [...referenced].filter((name) => !declared.has(name)).sort();
  return { freeNames, usesThis };
}
