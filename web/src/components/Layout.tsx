import type { ReactNode } from "react";
import { Link, useRoute } from "wouter";
import { APP_ROUTES } from "../app/routes";

const NAV_ITEMS = APP_ROUTES.filter((route) => route.inNav).map(({ path, title }) => ({ href: path, label: title }));

function NavLink({ href, label }: { href: string; label: string }) {
  // A section stays current on its sub-pages (/positions/:id under Positions), the dashboard only on "/".
  const [exact] = useRoute(href);
  const [nested] = useRoute(`${href}/*`);
  const current = exact || (href !== "/" && nested);
  return (
    <Link href={href} aria-current={current ? "page" : undefined}>
      {label}
    </Link>
  );
}

interface LayoutProps {
  children: ReactNode;
  onSignOut?: () => void;
}

export function Layout({ children, onSignOut }: LayoutProps) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link href="/" className="brand">
          Goalpost
        </Link>
        {onSignOut && (
          <button type="button" className="sign-out" onClick={onSignOut}>
            Sign out
          </button>
        )}
        {onSignOut && (
          <nav aria-label="Main" className="site-nav">
            <ul>
              {NAV_ITEMS.map((item) => (
                <li key={item.href}>
                  <NavLink {...item} />
                </li>
              ))}
            </ul>
          </nav>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
