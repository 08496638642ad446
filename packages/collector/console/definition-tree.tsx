/**
 * The structured view of a definition: its fields and its condition tree,
 * each node a list item, with the API's validation issues shown at the node
 * their `path` names (the deepest node shown that the path runs through).
 */
import type { ApiIssue } from '@exhaust/schema';

type Path = (string | number)[];
type Json = unknown;

const startsWith = (path: Path, prefix: Path) => prefix.every((part, i) => path[i] === part);
export const pathLabel = (path: Path) => (path.length ? path.join('.') : '(the definition)');
/** The element id of a node, so an issue summary can move focus to it. */
export const nodeId = (path: Path) => `node-${path.join('-') || 'root'}`;

const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** One line for a leaf: `trait plan eq "pro"`, `event "Order Completed" within 30d`, `in audience x`. */
function summary(value: Json): string {
  if (!isObject(value)) return JSON.stringify(value);
  const v = (key: string) => (key in value ? ` ${JSON.stringify(value[key])}` : '');
  if ('trait' in value) return `trait ${String(value.trait)} ${String(value.op ?? '?')}${v('value')}`;
  if ('computed' in value) return `computed ${String(value.computed)} ${String(value.op ?? '?')}${v('value')}`;
  if ('audience' in value) return `in audience ${String(value.audience)}`;
  if ('property' in value && 'op' in value)
    return `property ${String(value.property)} ${String(value.op)}${v('value')}`;
  if ('event' in value) {
    const count = isObject(value.count) ? ` count ${String(value.count.op)} ${String(value.count.value)}` : '';
    const within = value.within ? ` within ${String(value.within)}` : '';
    return `event ${JSON.stringify(value.event)}${count}${within}`;
  }
  return JSON.stringify(value);
}

/** Children shown as nodes of their own: combinators, `where` clauses, score rules. */
function childrenOf(value: Json, path: Path): { path: Path; value: Json; label?: string }[] {
  if (!isObject(value)) return [];
  for (const key of ['all', 'any'] as const) {
    if (Array.isArray(value[key])) return value[key].map((child, i) => ({ path: [...path, key, i], value: child }));
  }
  if ('not' in value) return [{ path: [...path, 'not'], value: value.not }];
  if (!Array.isArray(value.where)) return [];
  return value.where.map((clause, i) => ({ path: [...path, 'where', i], value: clause, label: 'where' }));
}

function nodeLabel(value: Json): string {
  if (isObject(value)) {
    if (Array.isArray(value.all)) return 'all of';
    if (Array.isArray(value.any)) return 'any of';
    if ('not' in value) return 'not';
  }
  return summary(value);
}

function Issues({ issues }: { issues: ApiIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul class="issues">
      {issues.map((issue, i) => (
        <li key={i}>
          <strong>{issue.message}</strong> <code>{pathLabel(issue.path)}</code>
          {issue.code ? <span class="badge warn">{issue.code}</span> : null}
        </li>
      ))}
    </ul>
  );
}

function Node(props: { value: Json; path: Path; issues: ApiIssue[]; label?: string }) {
  const children = childrenOf(props.value, props.path);
  // An issue belongs here unless a child shown below is on its path.
  const mine = props.issues.filter(
    (issue) => startsWith(issue.path, props.path) && !children.some((c) => startsWith(issue.path, c.path)),
  );
  return (
    <li id={nodeId(props.path)} tabIndex={-1} class={mine.length ? 'node invalid' : 'node'}>
      <span>
        {props.label ? `${props.label} ` : ''}
        <code>{nodeLabel(props.value)}</code>
      </span>
      {mine.length ? <span class="visually-hidden"> (invalid)</span> : null}
      <Issues issues={mine} />
      {children.length ? (
        <ol>
          {children.map((child) => (
            <Node
              key={child.path.join('.')}
              value={child.value}
              path={child.path}
              issues={props.issues}
              label={child.label}
            />
          ))}
        </ol>
      ) : null}
    </li>
  );
}

/**
 * @example <DefinitionTree definition={{ key: 'x', name: 'X', condition: { all: [...] } }} issues={issues} />
 */
export function DefinitionTree({ definition, issues }: { definition: Json; issues: ApiIssue[] }) {
  if (!isObject(definition)) {
    return <Issues issues={issues} />;
  }
  const fields = Object.keys(definition);
  const rootIssues = issues.filter((issue) => issue.path.length === 0 || !fields.includes(String(issue.path[0])));
  return (
    <div class="tree">
      <Issues issues={rootIssues} />
      <ul aria-label="Definition structure">
        {fields.map((field) => {
          const value = definition[field];
          if (field === 'condition') {
            return (
              <li key={field}>
                condition
                <ol>
                  <Node value={value} path={['condition']} issues={issues} />
                </ol>
              </li>
            );
          }
          if (field === 'rules' && Array.isArray(value)) {
            return (
              <li key={field}>
                rules
                <ol>
                  {value.map((rule, i) => (
                    <Node
                      key={i}
                      value={isObject(rule) ? rule.when : rule}
                      path={['rules', i]}
                      issues={issues}
                      label={isObject(rule) ? `${String(rule.points)} points when` : undefined}
                    />
                  ))}
                </ol>
              </li>
            );
          }
          if (field === 'where' && Array.isArray(value)) {
            return (
              <li key={field}>
                where
                <ol>
                  {value.map((clause, i) => (
                    <Node key={i} value={clause} path={['where', i]} issues={issues} />
                  ))}
                </ol>
              </li>
            );
          }
          return <Node key={field} value={value} path={[field]} issues={issues} label={`${field}:`} />;
        })}
      </ul>
    </div>
  );
}
