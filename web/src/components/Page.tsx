import { useEffect, useRef, type ReactNode } from "react";

interface PageProps {
  title: string;
  children?: ReactNode;
}

/** A page: its h1, the document title, and focus on the heading when the route changes (for screen readers). */
export function Page({ title, children }: PageProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Goalpost`;
    // Focus only after a client-side navigation, not on the first load (the skip link comes first then).
    if (document.activeElement !== document.body) heading.current?.focus();
  }, [title]);
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </>
  );
}

/** Placeholder body for pages that are still to be built. */
export function ComingSoon() {
  return <p>This page is on its way.</p>;
}
