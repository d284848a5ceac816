; Blocksworld with four operators.  Action names, predicate names and parameter order are those of
; PlanBench's blocksworld (and IPC-2000), so PlanBench problems and plans can be used with this domain.
(define (domain blocksworld-4ops)
  (:requirements :strips)
  (:predicates
    (clear ?x)      ; nothing is on ?x and ?x is not held
    (ontable ?x)    ; ?x stands on the table
    (handempty)     ; the hand holds nothing
    (holding ?x)    ; the hand holds ?x
    (on ?x ?y))     ; ?x stands directly on ?y

  (:action pick-up
    :parameters (?ob)
    :precondition (and (clear ?ob) (ontable ?ob) (handempty))
    :effect (and (holding ?ob)
                 (not (clear ?ob)) (not (ontable ?ob)) (not (handempty))))

  (:action put-down
    :parameters (?ob)
    :precondition (holding ?ob)
    :effect (and (clear ?ob) (ontable ?ob) (handempty)
                 (not (holding ?ob))))

  (:action stack
    :parameters (?ob ?underob)
    :precondition (and (holding ?ob) (clear ?underob))
    :effect (and (on ?ob ?underob) (clear ?ob) (handempty)
                 (not (holding ?ob)) (not (clear ?underob))))

  (:action unstack
    :parameters (?ob ?underob)
    :precondition (and (on ?ob ?underob) (clear ?ob) (handempty))
    :effect (and (holding ?ob) (clear ?underob)
                 (not (on ?ob ?underob)) (not (clear ?ob)) (not (handempty)))))
