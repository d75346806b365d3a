// Every icon-only button in Certdesk goes through here: it always has a tooltip and an aria-label.
import IconButton, { type IconButtonProps } from '@mui/material/IconButton';
import Tooltip from '@mui/material/Tooltip';
import type { ReactNode } from 'react';

interface IconActionProps extends Omit<IconButtonProps, 'aria-label' | 'title' | 'children'> {
  /** Tooltip and accessible name. */
  label: string;
  children: ReactNode;
}

export function IconAction({ label, children, disabled, ...rest }: IconActionProps) {
  const button = (
    <IconButton aria-label={label} disabled={disabled} {...rest}>
      {children}
    </IconButton>
  );
  // A disabled button fires no pointer events: the wrapper keeps the tooltip working.
  return <Tooltip title={label}>{disabled ? <span>{button}</span> : button}</Tooltip>;
}
